package dev.sdfarm.checkpoint.anatomy;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.sdfarm.checkpoint.DType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

/**
 * A {@code state_dict()} dump of an upstream model, as {@code fixtures/anatomy/dump_layouts.py} wrote it to
 * {@code resources/anatomy/<name>.tsv.gz}: one line per tensor, key, torch dtype and shape.
 */
record UpstreamStateDict(String name, Map<String, Entry> entries) {

    record Entry(String key, String torchDtype, long[] shape) {
        long numel() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    static UpstreamStateDict load(String name) {
        String resource = "/anatomy/" + name + ".tsv.gz";
        Map<String, Entry> entries = new LinkedHashMap<>();
        try (InputStream raw = UpstreamStateDict.class.getResourceAsStream(resource)) {
            if (raw == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(raw),
                    StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\t", -1);
                long[] shape = f[2].isEmpty() ? new long[0]
                        : Arrays.stream(f[2].split(",")).mapToLong(Long::parseLong).toArray();
                entries.put(f[0], new Entry(f[0], f[1], shape));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new UpstreamStateDict(name, entries);
    }

    /** Elements of the entries whose key passes {@code filter}, integer buffers excluded. */
    long parameterCount(Predicate<String> filter) {
        return entries.values().stream()
                .filter(e -> filter.test(e.key()) && !e.torchDtype().startsWith("int"))
                .mapToLong(Entry::numel).sum();
    }

    UpstreamStateDict without(Predicate<String> drop) {
        Map<String, Entry> kept = new LinkedHashMap<>(entries);
        kept.keySet().removeIf(drop);
        return new UpstreamStateDict(name, kept);
    }

    /**
     * Asserts that {@code layout} has exactly this dump's keys, every shape equal, and the dump's integer
     * dtypes as fixed dtypes; reports every difference at once.
     */
    void assertMatches(TensorLayout layout) {
        List<String> problems = new ArrayList<>();
        TreeSet<String> missing = new TreeSet<>(entries.keySet());
        missing.removeAll(layout.keys());
        TreeSet<String> extra = new TreeSet<>(layout.keys());
        extra.removeAll(entries.keySet());
        missing.stream().limit(20).forEach(k -> problems.add("missing from layout: " + k
                + Arrays.toString(entries.get(k).shape())));
        extra.stream().limit(20).forEach(k -> problems.add("not in upstream state_dict: " + k));
        for (Entry e : entries.values()) {
            layout.get(e.key()).ifPresent(spec -> {
                if (!spec.hasShape(e.shape())) {
                    problems.add("shape of " + e.key() + ": layout " + Arrays.toString(spec.shape()) + ", upstream "
                            + Arrays.toString(e.shape()));
                }
                String expected = switch (e.torchDtype()) {
                    case "int64" -> DType.I64.name();
                    case "int32" -> DType.I32.name();
                    default -> "weight";
                };
                String actual = spec.fixedDtype().map(DType::name).orElse("weight");
                if (!expected.equals(actual)) {
                    problems.add("dtype of " + e.key() + ": layout " + actual + ", upstream " + e.torchDtype());
                }
            });
        }
        if (!problems.isEmpty()) {
            fail(name + ": " + problems.size() + " difference(s) (" + missing.size() + " missing, " + extra.size()
                    + " extra)\n  " + String.join("\n  ", problems.subList(0, Math.min(problems.size(), 40))));
        }
        assertTrue(layout.size() == entries.size());
    }
}

package dev.sdfarm.checkpoint.slim;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.CheckpointException;
import dev.sdfarm.checkpoint.CheckpointFormat;
import dev.sdfarm.checkpoint.io.FileHashing;
import dev.sdfarm.checkpoint.io.OutputExistsException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Converts every checkpoint under a folder into a mirror folder. A file that fails is reported and the batch
 * goes on. Resumable: an existing output whose provenance says it was made from the same input bytes with the
 * same operations is skipped; any other existing output is only replaced with {@code overwrite}.
 */
public final class BulkSlimming {
    private static final List<String> EXTENSIONS = List.of(".safetensors", ".ckpt", ".pt", ".pth", ".bin");

    private BulkSlimming() {
    }

    /** One file to convert. {@code relative} is its path under the source folder. */
    public record Item(Path input, Path output, String relative, long bytes) {
    }

    public enum Status {
        /** Converted. */
        OK,
        /** The output was already made from this input with these options. */
        SKIPPED,
        /** Not converted; see the error. */
        FAILED;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What happened to one file. Hashes and output size are null/0 where unknown. */
    public record Outcome(Item item, Status status, String inputSha256, String outputSha256, long inputBytes,
                          long outputBytes, double seconds, String error, List<String> warnings) {
    }

    /**
     * Finds checkpoints ({@code .safetensors .ckpt .pt .pth .bin}) under {@code src}, recursively, in path order,
     * skipping hidden files and folders and anything under {@code dst}, and maps each to its output under
     * {@code dst} with the extension of {@code format}.
     */
    public static List<Item> discover(Path src, Path dst, CheckpointFormat format) throws IOException {
        Path srcAbs = src.toAbsolutePath().normalize();
        Path dstAbs = dst.toAbsolutePath().normalize();
        List<Item> items = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(srcAbs)) {
            for (Path p : walk.sorted(Comparator.comparing(Path::toString)).toList()) {
                Path rel = srcAbs.relativize(p);
                if (p.startsWith(dstAbs) || !Files.isRegularFile(p) || isHidden(rel) || !isCheckpointName(p)) {
                    continue;
                }
                String name = rel.getFileName().toString();
                String stem = name.substring(0, name.lastIndexOf('.'));
                Path out = dstAbs.resolve(rel).resolveSibling(stem + "." + format.extension());
                items.add(new Item(p, out, rel.toString(), Files.size(p)));
            }
        }
        return items;
    }

    private static boolean isHidden(Path rel) {
        for (Path part : rel) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private static boolean isCheckpointName(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(n::endsWith);
    }

    /**
     * Converts the items with {@code jobs} files in flight. {@code onFinish} is called once per item, from
     * worker threads, as each finishes; the returned list is in item order.
     */
    public static List<Outcome> run(List<Item> items, SlimOptions opts, boolean overwrite, int jobs, Progress progress,
                                    Consumer<Outcome> onFinish) throws IOException {
        String vaeSha = null;
        if (opts.bakeVae() != null) {
            try (FileChannel ch = FileChannel.open(opts.bakeVae())) {
                vaeSha = FileHashing.sha256Hex(ch, 0, ch.size(), null);
            }
        }
        String operations = opts.operations(vaeSha);
        long total = items.stream().mapToLong(i -> 2 * i.bytes()).sum();
        progress.start(items.size() + " files", total);
        Map<Path, Item> claimed = new HashMap<>();
        List<Future<Outcome>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, jobs))) {
            for (Item item : items) {
                Item earlier = claimed.putIfAbsent(item.output(), item);
                if (earlier != null) {
                    Outcome o = new Outcome(item, Status.FAILED, null, null, item.bytes(), 0, 0,
                            "output " + item.output() + " would overwrite the output of " + earlier.relative(), List.of());
                    progress.advance(2 * item.bytes());
                    onFinish.accept(o);
                    futures.add(java.util.concurrent.CompletableFuture.completedFuture(o));
                    continue;
                }
                futures.add(pool.submit(() -> {
                    Outcome o = one(item, opts, operations, overwrite, progress);
                    onFinish.accept(o);
                    return o;
                }));
            }
            List<Outcome> out = new ArrayList<>();
            for (Future<Outcome> f : futures) {
                try {
                    out.add(f.get());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException(e.getCause());
                }
            }
            return out;
        }
    }

    private static Outcome one(Item item, SlimOptions opts, String operations, boolean overwrite, Progress progress) {
        long start = System.nanoTime();
        AtomicLong reported = new AtomicLong();
        Progress mine = new Progress() {
            @Override
            public void start(String label, long totalBytes) {
            }

            @Override
            public void advance(long bytes) {
                long before = reported.getAndAdd(bytes);
                long room = Math.max(0, 2 * item.bytes() - before);
                progress.advance(Math.min(bytes, room));
            }
        };
        String sha = null;
        try {
            try (FileChannel ch = FileChannel.open(item.input())) {
                sha = FileHashing.sha256Hex(ch, 0, ch.size(), mine::advance);
            }
            if (Files.exists(item.output())) {
                Optional<Provenance> existing = provenanceOf(item.output());
                if (existing.isPresent() && existing.get().matches(sha, operations)) {
                    return new Outcome(item, Status.SKIPPED, sha, null, item.bytes(), Files.size(item.output()),
                            seconds(start), null, List.of());
                }
                if (!overwrite) {
                    return new Outcome(item, Status.FAILED, sha, null, item.bytes(), 0, seconds(start),
                            "output " + item.output() + " exists and was not made from this input with these options;"
                                    + " pass --force to replace it", List.of());
                }
            }
            SlimResult r = Slimmer.slim(item.input(), item.output(), opts, overwrite, sha, mine);
            return new Outcome(item, Status.OK, sha, r.outputSha256(), r.inputBytes(), r.outputBytes(), seconds(start),
                    null, r.warnings());
        } catch (CheckpointException e) {
            return failed(item, sha, start, e.userMessage());
        } catch (OutputExistsException e) {
            return failed(item, sha, start, e.getMessage());
        } catch (IOException e) {
            return failed(item, sha, start, "I/O error: " + e.getMessage());
        } catch (RuntimeException e) {
            return failed(item, sha, start, "internal error: " + e);
        } finally {
            progress.advance(Math.max(0, 2 * item.bytes() - reported.get()));
        }
    }

    private static Outcome failed(Item item, String sha, long start, String error) {
        return new Outcome(item, Status.FAILED, sha, null, item.bytes(), 0, seconds(start), error, List.of());
    }

    /** The provenance sdfarm recorded in an existing output, if it is a readable checkpoint that has one. */
    static Optional<Provenance> provenanceOf(Path output) {
        try (Checkpoint cp = Checkpoint.open(output)) {
            return Provenance.from(cp.metadata());
        } catch (IOException | CheckpointException e) {
            return Optional.empty();
        }
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}

package dev.sdfarm.checkpoint.pickle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Reads pickles that CPython's own pickler wrote in every protocol (0 to 5) and compares them, through a
 * canonical text form computed by the same rules in Python and here, with the value that was pickled.
 */
class UnpicklerProtocolTest {

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5})
    void readsCPythonPicklesOfEveryProtocol(int protocol) throws IOException {
        String name = "protocol" + protocol + ".pkl";
        Object value = TestStorages.load(Files.readAllBytes(resource(name)));
        String expected = Files.readString(resource(name + ".expected.txt"), StandardCharsets.UTF_8).strip();
        assertEquals(expected, canon(value, new IdentityHashMap<>()));
    }

    static Path resource(String name) {
        try {
            return Path.of(UnpicklerProtocolTest.class.getResource("/torch/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new UncheckedIOException(new IOException("missing fixture " + name, e));
        }
    }

    /** The canonical form of {@code make_fixtures.py}'s {@code canon}. */
    static String canon(Object v, IdentityHashMap<Object, Boolean> path) {
        if (path.containsKey(v)) {
            return "<cycle>";
        }
        path.put(v, Boolean.TRUE);
        try {
            return switch (v) {
                case PyNone n -> "None";
                case Boolean b -> b ? "True" : "False";
                case Long l -> l.toString();
                case BigInteger b -> b.toString();
                case Double d -> "f:" + String.format("%016x", Double.doubleToRawLongBits(d));
                case String s -> "s:" + HexFormat.of().formatHex(s.getBytes(StandardCharsets.UTF_8));
                case PyBytes b -> "b:" + HexFormat.of().formatHex(b.toByteArray());
                case PyTuple t -> "(" + join(t.items(), path) + ")";
                case PyList l -> "[" + join(l.items(), path) + "]";
                case PyDict d -> (d.kind() == PyDict.Kind.ORDERED_DICT ? "od" : "") + "{"
                        + d.entries().entrySet().stream()
                                .map((Map.Entry<Object, Object> e) -> canon(e.getKey(), path) + ":" + canon(e.getValue(), path))
                                .collect(Collectors.joining(",")) + "}";
                case PySet s -> "set{" + sorted(s.items(), path) + "}";
                case PyFrozenSet f -> "fset{" + sorted(f.items(), path) + "}";
                default -> throw new AssertionError("unexpected " + v.getClass());
            };
        } finally {
            path.remove(v);
        }
    }

    private static String join(List<Object> items, IdentityHashMap<Object, Boolean> path) {
        return items.stream().map(x -> canon(x, path)).collect(Collectors.joining(","));
    }

    private static String sorted(Iterable<Object> items, IdentityHashMap<Object, Boolean> path) {
        List<String> out = new ArrayList<>();
        items.forEach(x -> out.add(canon(x, path)));
        out.sort(null);
        return String.join(",", out);
    }
}

package dev.sdfarm.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Deterministic test bytes and resource access shared by the checkpoint tests. */
public final class TestBytes {
    private TestBytes() {
    }

    /** The 64-bit LCG the Python fixture generators use: byte i = (x_i >> 33) & 0xff. */
    public static byte[] lcg(int n, long seed) {
        byte[] out = new byte[n];
        long x = seed;
        for (int i = 0; i < n; i++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
            out[i] = (byte) (x >>> 33);
        }
        return out;
    }

    public static byte[] resource(String name) {
        try (InputStream in = TestBytes.class.getResourceAsStream("/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies a resource into {@code dir} and returns its path. */
    public static Path resourceFile(String name, Path dir) throws IOException {
        Path p = dir.resolve(Path.of(name).getFileName().toString());
        Files.write(p, resource(name));
        return p;
    }
}

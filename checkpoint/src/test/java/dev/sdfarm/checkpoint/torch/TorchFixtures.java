package dev.sdfarm.checkpoint.torch;

import dev.sdfarm.checkpoint.StoredTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/** Access to the torch fixtures made by {@code src/test/fixtures/torch/make_fixtures.py}. */
final class TorchFixtures {
    private TorchFixtures() {
    }

    static Path path(String name) {
        URL url = TorchFixtures.class.getResource("/torch/" + name);
        if (url == null) {
            throw new IllegalStateException("missing fixture " + name + "; run src/test/fixtures/torch/make_fixtures.py");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] bytes(String name) {
        try {
            return Files.readAllBytes(path(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> expected(String name) {
        try {
            return (Map<String, Object>) TorchFixtures.json(Files.readString(path(name + ".expected.json"), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static TorchContents read(byte[] archive) throws IOException {
        return TorchArchiveReader.read(new ByteArrayChannel(archive), archive.length);
    }

    /** The tensor's elements in row-major order, gathered through its strides from the whole file's bytes. */
    static byte[] contiguousBytes(byte[] file, StoredTensor t) {
        long[] shape = t.shape();
        long[] strides = t.strides();
        int size = t.dtype().size();
        long n = t.numel();
        byte[] out = new byte[Math.toIntExact(n * size)];
        long[] index = new long[shape.length];
        long base = t.storage().fileOffset();
        for (long k = 0; k < n; k++) {
            long element = t.storageOffset();
            for (int d = 0; d < shape.length; d++) {
                element += index[d] * strides[d];
            }
            System.arraycopy(file, Math.toIntExact(base + element * size), out, (int) (k * size), size);
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++index[d] < shape[d]) {
                    break;
                }
                index[d] = 0;
            }
        }
        return out;
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses JSON printed by the fixture and loader scripts. */
    static Object json(String text) {
        return dev.sdfarm.checkpoint.json.StrictJson.parse(text.getBytes(StandardCharsets.UTF_8));
    }
}

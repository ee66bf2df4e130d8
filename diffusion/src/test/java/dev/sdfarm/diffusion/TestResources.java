package dev.sdfarm.diffusion;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;

/** Test resources as file paths (copied out once when they sit inside a jar), for code that opens files. */
public final class TestResources {
    private static final Map<String, Path> PATHS = new HashMap<>();
    private static Path tempDir;

    private TestResources() {
    }

    /** The resource {@code name} beside {@code owner}'s class file. */
    public static synchronized Path path(Class<?> owner, String name) {
        String key = owner.getName() + "/" + name;
        Path cached = PATHS.get(key);
        if (cached != null) {
            return cached;
        }
        URL url = owner.getResource(name);
        if (url == null) {
            throw new IllegalArgumentException("no fixture " + name + " beside " + owner.getName());
        }
        try {
            Path p;
            if ("file".equals(url.getProtocol())) {
                p = Path.of(url.toURI());
            } else {
                if (tempDir == null) {
                    tempDir = Files.createTempDirectory("sdfarm-fixtures-");
                    tempDir.toFile().deleteOnExit();
                }
                p = Files.createDirectories(tempDir.resolve(owner.getPackageName())).resolve(name);
                try (InputStream in = url.openStream()) {
                    Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
                }
                p.toFile().deleteOnExit();
            }
            PATHS.put(key, p);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}

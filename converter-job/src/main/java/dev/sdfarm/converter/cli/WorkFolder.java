package dev.sdfarm.converter.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A private temporary folder under {@code java.io.tmpdir} (read when created, so a pod can point it at a large
 * volume), removed with everything in it on close, and by a shutdown hook if the JVM is stopped first.
 */
public final class WorkFolder implements AutoCloseable {
    private final Path root;
    private final Thread hook;

    private WorkFolder(Path root) {
        this.root = root;
        this.hook = new Thread(this::delete, "sdfarm-work-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    public static WorkFolder create(String prefix) throws IOException {
        return new WorkFolder(Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), prefix));
    }

    /** {@code root/sub/name}, with {@code sub} created; the file itself is not. */
    public Path file(String sub, String name) throws IOException {
        return Files.createDirectories(root.resolve(sub)).resolve(name);
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to
        }
        delete();
    }

    private void delete() {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the temporary folder " + root, e);
        }
    }
}

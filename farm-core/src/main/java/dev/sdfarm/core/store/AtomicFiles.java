package dev.sdfarm.core.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * Writes a local file the way every store does: into a hidden temporary file beside the target, synced, then
 * renamed over the target, which POSIX makes atomic. The temporary file is removed whatever happens.
 */
final class AtomicFiles {
    /** Names of temporary files start with this; keys cannot, so they are never listed or served. */
    static final String TEMP_PREFIX = ".tmp-";

    /** Fills a fresh temporary file (which does not exist yet). */
    interface Writer {
        void write(Path tmp) throws IOException;
    }

    private AtomicFiles() {
    }

    static void replace(Path target, Writer writer) throws IOException {
        Path dir = Files.createDirectories(target.toAbsolutePath().getParent());
        Path tmp = dir.resolve(TEMP_PREFIX + UUID.randomUUID());
        try {
            writer.write(tmp);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot rename atomically into " + dir + ": " + e.getMessage(), e);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}

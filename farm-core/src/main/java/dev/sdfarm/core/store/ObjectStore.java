package dev.sdfarm.core.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where models and images live: a flat key space ({@link ObjectKeys}) over a local folder or an S3 bucket.
 * Writes are atomic: a reader sees the old object or the whole new one, never a part, so a worker that dies
 * mid-upload leaves nothing behind and a re-render simply overwrites.
 */
public interface ObjectStore extends AutoCloseable {
    /** Stores {@code bytes} under {@code key}, replacing what was there. */
    ObjectInfo put(String key, byte[] bytes) throws IOException;

    /** Stores the contents of {@code file} under {@code key}, replacing what was there. */
    ObjectInfo put(String key, Path file) throws IOException;

    /** The object's size and date, or empty if there is none. */
    Optional<ObjectInfo> stat(String key) throws IOException;

    /** The object's bytes; {@link NoSuchObjectException} if there is none. */
    InputStream open(String key) throws IOException;

    /** Copies the object to {@code target} atomically (through a temporary file beside it). */
    void download(String key, Path target) throws IOException;

    /** The objects whose keys start with {@code prefix} (empty or ending in '/'), sorted by key. */
    List<ObjectInfo> list(String prefix) throws IOException;

    /** Removes the object; false if there was none. */
    boolean delete(String key) throws IOException;

    /** Where the store is, for logs and errors (never with credentials). */
    String describe();

    @Override
    default void close() throws IOException {
    }
}

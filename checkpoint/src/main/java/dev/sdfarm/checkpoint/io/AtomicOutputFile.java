package dev.sdfarm.checkpoint.io;

import dev.sdfarm.checkpoint.ByteSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A file written so that it appears complete under its final name or not at all: bytes go to a hidden
 * temporary file beside the target; {@link #commit()} flushes it to disk, renames it over the target and
 * syncs the directory; {@link #close()} without commit (an error, an interrupt, a JVM shutdown) deletes it.
 *
 * <p>Writes are pipelined: the caller fills buffers while a background thread hashes (sha256) and another
 * writes them. Where the file system supports it, data goes to disk with {@code O_DIRECT}, skipping the page
 * cache — much cheaper than buffered writes for multi-gigabyte outputs that are not read back soon.
 */
public final class AtomicOutputFile implements AutoCloseable {
    private static final int BUFFER = 8 << 20;
    private static final int BUFFERS = 4;
    private static final Set<Path> PENDING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Path p : PENDING) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort at shutdown
                }
            }
        }, "sdfarm-partial-cleanup"));
    }

    private final Path target;
    private final Path temp;
    private final boolean overwrite;
    private final FileChannel channel;
    private final boolean direct;
    private final int align;
    private final MessageDigest digest;
    private final BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(BUFFERS);
    private final BlockingQueue<ByteBuffer> toHash = new ArrayBlockingQueue<>(BUFFERS + 1);
    private final BlockingQueue<ByteBuffer> toWrite = new ArrayBlockingQueue<>(BUFFERS + 1);
    private final Thread hasher;
    private final Thread writer;
    private volatile Throwable failure;
    private ByteBuffer current;
    private long written;
    private long filePos;
    private boolean committed;
    private boolean closed;

    private static final ByteBuffer END = ByteBuffer.allocate(0);

    private AtomicOutputFile(Path target, Path temp, boolean overwrite, FileChannel channel, boolean direct, int align,
                             boolean hash) {
        this.digest = hash ? FileHashing.sha256() : null;
        this.target = target;
        this.temp = temp;
        this.overwrite = overwrite;
        this.channel = channel;
        this.direct = direct;
        this.align = align;
        for (int i = 0; i < BUFFERS; i++) {
            free.add(ByteBuffer.allocateDirect(BUFFER + align).alignedSlice(align));
        }
        hasher = Thread.ofPlatform().name("sdfarm-out-hash").daemon().start(this::hashLoop);
        writer = Thread.ofPlatform().name("sdfarm-out-write").daemon().start(this::writeLoop);
    }

    /**
     * Starts writing {@code target}.
     *
     * @param overwrite whether an existing target may be replaced (on commit)
     * @throws OutputExistsException if the target exists and {@code overwrite} is false
     */
    public static AtomicOutputFile create(Path target, boolean overwrite) throws IOException {
        return create(target, overwrite, true);
    }

    /**
     * Starts writing {@code target}, optionally without hashing (for outputs whose hash nobody needs).
     *
     * @throws OutputExistsException if the target exists and {@code overwrite} is false
     */
    public static AtomicOutputFile create(Path target, boolean overwrite, boolean hash) throws IOException {
        Path abs = target.toAbsolutePath();
        if (!overwrite && Files.exists(abs)) {
            throw new OutputExistsException(target, "output " + target + " already exists; pass --force to replace it");
        }
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        Path temp = dir.resolve("." + abs.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + ".partial");
        PENDING.add(temp);
        try {
            FileChannel ch = openDirect(temp);
            if (ch != null) {
                return new AtomicOutputFile(abs, temp, overwrite, ch, true, blockSize(dir), hash);
            }
            ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            return new AtomicOutputFile(abs, temp, overwrite, ch, false, 4096, hash);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            PENDING.remove(temp);
            throw e;
        }
    }

    private static int blockSize(Path dir) {
        try {
            long b = Files.getFileStore(dir).getBlockSize();
            return b >= 512 && b <= 65536 && Long.bitCount(b) == 1 ? (int) Math.max(b, 4096) : 4096;
        } catch (IOException | UnsupportedOperationException e) {
            return 4096;
        }
    }

    private static FileChannel openDirect(Path temp) {
        if (Boolean.getBoolean("sdfarm.io.noDirect")) {
            return null;
        }
        try {
            OpenOption directOption = com.sun.nio.file.ExtendedOpenOption.DIRECT;
            return FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, directOption);
        } catch (IOException | UnsupportedOperationException e) {
            // File systems such as tmpfs refuse O_DIRECT; fall back to buffered writes.
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // the buffered open below reports a real problem
            }
            return null;
        }
    }

    /** Where the bytes go. Everything written here ends up in the file, in order. */
    public ByteSink sink() {
        return this::write;
    }

    /** Whether the data bypasses the page cache. */
    public boolean isDirect() {
        return direct;
    }

    /** Bytes written so far. */
    public long size() {
        return written;
    }

    private void write(ByteBuffer src) throws IOException {
        checkFailure();
        while (src.hasRemaining()) {
            if (current == null) {
                current = take(free);
                current.clear().limit(BUFFER);
            }
            int n = Math.min(src.remaining(), current.remaining());
            int lim = src.limit();
            src.limit(src.position() + n);
            current.put(src);
            src.limit(lim);
            written += n;
            if (!current.hasRemaining()) {
                submit();
            }
        }
    }

    private void submit() throws IOException {
        current.flip();
        put(toHash, current);
        current = null;
    }

    private void hashLoop() {
        try {
            while (true) {
                ByteBuffer b = toHash.take();
                if (b == END) {
                    toWrite.put(END);
                    return;
                }
                if (digest != null) {
                    digest.update(b.duplicate());
                }
                toWrite.put(b);
            }
        } catch (Throwable t) {
            fail(t);
        }
    }

    private void writeLoop() {
        try {
            while (true) {
                ByteBuffer b = toWrite.take();
                if (b == END) {
                    return;
                }
                int len = b.remaining();
                if (direct && len % align != 0) {
                    // Only the final buffer can be short: pad it to the block size; commit() truncates.
                    int padded = (len + align - 1) / align * align;
                    b.limit(padded);
                    for (int i = len; i < padded; i++) {
                        b.put(i, (byte) 0);
                    }
                }
                while (b.hasRemaining()) {
                    filePos += channel.write(b, filePos);
                }
                free.put(b);
            }
        } catch (Throwable t) {
            fail(t);
        }
    }

    private void fail(Throwable t) {
        if (failure == null) {
            failure = t;
        }
        // Unblock a producer waiting for a free buffer.
        free.offer(ByteBuffer.allocateDirect(BUFFER + align).alignedSlice(align));
    }

    private void checkFailure() throws IOException {
        Throwable t = failure;
        if (t instanceof IOException io) {
            throw new IOException("writing " + target + ": " + io.getMessage(), io);
        }
        if (t != null) {
            throw new IOException("writing " + target + " failed", t);
        }
    }

    private ByteBuffer take(BlockingQueue<ByteBuffer> q) throws IOException {
        try {
            ByteBuffer b = q.take();
            checkFailure();
            return b;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing " + target, e);
        }
    }

    private void put(BlockingQueue<ByteBuffer> q, ByteBuffer b) throws IOException {
        try {
            q.put(b);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing " + target, e);
        }
    }

    private void drain() throws IOException {
        if (current != null && current.position() > 0) {
            submit();
        }
        put(toHash, END);
        try {
            hasher.join();
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing " + target, e);
        }
        checkFailure();
    }

    /**
     * Finishes the file: waits for all bytes to be written, trims block padding, forces the data to disk,
     * renames the file to the target (replacing it only if overwriting was allowed) and syncs the directory.
     *
     * @return lower-case hex sha256 of the file's bytes, or null when created without hashing
     */
    public String commit() throws IOException {
        if (committed || closed) {
            throw new IllegalStateException("already finished");
        }
        drain();
        channel.force(true);
        channel.close();
        if (direct) {
            try (FileChannel trim = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                trim.truncate(written);
                trim.force(true);
            }
        }
        try {
            if (overwrite) {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } else {
                // link(2) fails if the target appeared meanwhile, where rename(2) would silently replace it.
                Files.createLink(target, temp);
                Files.delete(temp);
            }
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename " + temp + " to " + target + " atomically", e);
        } catch (FileAlreadyExistsException e) {
            throw new OutputExistsException(target, "output " + target + " already exists; pass --force to replace it");
        }
        PENDING.remove(temp);
        syncDirectory(target.getParent());
        committed = true;
        return digest == null ? null : HexFormat.of().formatHex(digest.digest());
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UncheckedIOException e) {
            // Some file systems cannot fsync a directory; the rename itself is still atomic.
        }
    }

    /** Discards the temporary file unless {@link #commit()} succeeded. Safe to call twice. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (!committed) {
            hasher.interrupt();
            writer.interrupt();
            try {
                hasher.join(10_000);
                writer.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                channel.close();
            } finally {
                Files.deleteIfExists(temp);
                PENDING.remove(temp);
            }
        }
    }
}

package dev.sdfarm.checkpoint.io;

import java.nio.ByteBuffer;

/**
 * Per-thread native buffers for streaming chunks. Allocating fresh direct buffers for every tensor would grow
 * the process until a GC frees them (and page-fault every new one in); reusing a few per thread keeps memory
 * flat however many tensors a file has.
 */
public final class ChunkBuffers {
    /** Buffers are kept up to this size; larger requests get a fresh buffer. */
    public static final int MAX_CACHED = 16 << 20;

    private static final ThreadLocal<ByteBuffer[]> CACHE = ThreadLocal.withInitial(() -> new ByteBuffer[2]);

    private ChunkBuffers() {
    }

    /**
     * A cleared direct buffer of at least {@code bytes}, limited to {@code bytes}. {@code slot} (0 or 1) lets a
     * caller hold two at once (input and output of a cast). Valid until the same thread asks for the slot again.
     */
    public static ByteBuffer get(int slot, int bytes) {
        ByteBuffer[] cache = CACHE.get();
        ByteBuffer b = cache[slot];
        if (b == null || b.capacity() < bytes) {
            b = ByteBuffer.allocateDirect(Math.max(bytes, 1 << 20));
            if (b.capacity() <= MAX_CACHED) {
                cache[slot] = b;
            }
        }
        b.clear().limit(bytes);
        return b;
    }
}

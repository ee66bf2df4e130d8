package dev.sdfarm.checkpoint.slim;

import dev.sdfarm.checkpoint.ByteSink;
import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.Storage;
import dev.sdfarm.checkpoint.TensorData;
import dev.sdfarm.checkpoint.dtype.PrecisionCast;
import dev.sdfarm.checkpoint.io.ChunkBuffers;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * A contiguous run of elements of a storage, converted to another dtype as it streams: read a chunk, cast
 * it, hand it on. Memory use is two chunk buffers, whatever the tensor size.
 */
final class CastRange implements TensorData {
    private static final int CHUNK_ELEMENTS = 2 << 20;

    private final Checkpoint source;
    private final Storage storage;
    private final long firstElement;
    private final long count;
    private final DType to;
    private final LongAdder overflows;
    private final LongConsumer progress;

    /**
     * @param overflows receives the number of finite values that did not fit the target dtype
     * @param progress  receives the number of source bytes consumed (may be null)
     */
    CastRange(Checkpoint source, Storage storage, long firstElement, long count, DType to, LongAdder overflows,
              LongConsumer progress) {
        if (firstElement < 0 || count < 0 || firstElement + count > storage.numel()) {
            throw new IllegalArgumentException("range outside storage " + storage.key());
        }
        this.source = source;
        this.storage = storage;
        this.firstElement = firstElement;
        this.count = count;
        this.to = to;
        this.overflows = overflows;
        this.progress = progress;
    }

    @Override
    public long byteSize() {
        return count * to.size();
    }

    @Override
    public void writeTo(ByteSink sink) throws IOException {
        DType from = storage.dtype();
        int chunk = (int) Math.min(CHUNK_ELEMENTS, Math.max(count, 1));
        ByteBuffer in = ChunkBuffers.get(0, chunk * from.size());
        ByteBuffer out = from == to ? null : ChunkBuffers.get(1, chunk * to.size());
        for (long done = 0; done < count; ) {
            int k = (int) Math.min(chunk, count - done);
            in.clear().limit(k * from.size());
            source.read(storage, (firstElement + done) * from.size(), in);
            in.flip();
            if (out == null) {
                sink.write(in);
            } else {
                out.clear();
                long bad = PrecisionCast.cast(MemorySegment.ofBuffer(in), 0, from, MemorySegment.ofBuffer(out), 0, to, k);
                if (bad != 0) {
                    overflows.add(bad);
                }
                out.clear().limit(k * to.size());
                sink.write(out);
            }
            done += k;
            if (progress != null) {
                progress.accept((long) k * from.size());
            }
        }
    }
}

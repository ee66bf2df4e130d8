package dev.sdfarm.checkpoint.synth;

import dev.sdfarm.checkpoint.ByteSink;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.checkpoint.TensorData;
import dev.sdfarm.checkpoint.dtype.PrecisionCast;
import dev.sdfarm.checkpoint.io.ChunkBuffers;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.LongConsumer;

/** Random weights for one tensor, generated chunk by chunk in fp32 and cast to the file's dtype. */
final class SyntheticTensorData implements TensorData {
    private static final int CHUNK = 1 << 20;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final SyntheticWeights weights;
    private final long numel;
    private final DType dtype;
    private final LongConsumer progress;

    SyntheticTensorData(SyntheticWeights weights, long[] shape, DType dtype, LongConsumer progress) {
        this.weights = weights;
        this.numel = StoredTensor.numel(shape);
        this.dtype = dtype;
        this.progress = progress;
    }

    @Override
    public long byteSize() {
        return numel * dtype.size();
    }

    @Override
    public void writeTo(ByteSink sink) throws IOException {
        int chunk = (int) Math.min(CHUNK, Math.max(numel, 1));
        float[] values = new float[chunk];
        ByteBuffer f32 = ChunkBuffers.get(0, chunk * 4);
        ByteBuffer out = dtype == DType.F32 ? f32 : ChunkBuffers.get(1, chunk * dtype.size());
        MemorySegment f32seg = MemorySegment.ofBuffer(f32);
        for (long done = 0; done < numel; ) {
            int k = (int) Math.min(chunk, numel - done);
            weights.fill(done, values, k);
            MemorySegment.copy(values, 0, f32seg, F32, 0, k);
            if (dtype != DType.F32) {
                out.clear();
                PrecisionCast.cast(f32seg, 0, DType.F32, MemorySegment.ofBuffer(out), 0, dtype, k);
            }
            out.clear().limit(k * dtype.size());
            sink.write(out);
            done += k;
            if (progress != null) {
                progress.accept((long) k * dtype.size());
            }
        }
    }
}

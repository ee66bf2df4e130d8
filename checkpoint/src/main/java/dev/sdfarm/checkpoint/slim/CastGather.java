package dev.sdfarm.checkpoint.slim;

import dev.sdfarm.checkpoint.ByteSink;
import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.CheckpointException;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.checkpoint.TensorData;
import dev.sdfarm.checkpoint.dtype.PrecisionCast;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * A strided view (a transposed or sliced tensor in a torch archive) materialised row-major and cast: the
 * storage span the view touches is read once, the elements are gathered in index order, then converted.
 * Views in real checkpoints are small; spans beyond {@value #MAX_SPAN_BYTES} bytes are refused.
 */
final class CastGather implements TensorData {
    static final long MAX_SPAN_BYTES = 1L << 30;

    private final Checkpoint source;
    private final StoredTensor tensor;
    private final DType to;
    private final LongAdder overflows;
    private final LongConsumer progress;

    CastGather(Checkpoint source, StoredTensor tensor, DType to, LongAdder overflows, LongConsumer progress) {
        this.source = source;
        this.tensor = tensor;
        this.to = to;
        this.overflows = overflows;
        this.progress = progress;
    }

    @Override
    public long byteSize() {
        return tensor.numel() * to.size();
    }

    @Override
    public void writeTo(ByteSink sink) throws IOException {
        long n = tensor.numel();
        if (n == 0) {
            return;
        }
        long[] shape = tensor.shape();
        long[] strides = tensor.strides();
        long lo = tensor.storageOffset();
        long hi = tensor.storageOffset();
        for (int d = 0; d < shape.length; d++) {
            long reach = (shape[d] - 1) * strides[d];
            if (reach < 0) {
                lo += reach;
            } else {
                hi += reach;
            }
        }
        int es = tensor.dtype().size();
        long spanBytes = (hi - lo + 1) * es;
        if (spanBytes > MAX_SPAN_BYTES || n * es > MAX_SPAN_BYTES) {
            throw new CheckpointException("strided tensor spans " + spanBytes + " bytes of its storage, more than "
                    + "sdfarm materialises", "key " + tensor.name(),
                    "Save the tensor contiguously (tensor.contiguous()) before converting");
        }
        ByteBuffer span = ByteBuffer.allocate((int) spanBytes);
        source.read(tensor.storage(), lo * es, span);
        byte[] src = span.array();
        byte[] dense = new byte[(int) (n * es)];
        long[] index = new long[shape.length];
        long at = tensor.storageOffset() - lo;
        for (long i = 0; i < n; i++) {
            System.arraycopy(src, (int) (at * es), dense, (int) (i * es), es);
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++index[d] < shape[d]) {
                    at += strides[d];
                    break;
                }
                at -= (shape[d] - 1) * strides[d];
                index[d] = 0;
            }
        }
        if (progress != null) {
            progress.accept(spanBytes);
        }
        if (to == tensor.dtype()) {
            sink.write(ByteBuffer.wrap(dense));
            return;
        }
        byte[] out = new byte[(int) (n * to.size())];
        long bad = PrecisionCast.cast(MemorySegment.ofArray(dense), 0, tensor.dtype(), MemorySegment.ofArray(out), 0,
                to, n);
        if (bad != 0) {
            overflows.add(bad);
        }
        sink.write(ByteBuffer.wrap(out));
    }
}

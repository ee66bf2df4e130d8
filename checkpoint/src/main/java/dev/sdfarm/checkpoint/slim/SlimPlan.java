package dev.sdfarm.checkpoint.slim;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.StoredTensor;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The outcome of planning a conversion, computed before any output exists: every output tensor with its
 * source and target dtype, and what happens to everything else. Executing a plan only moves bytes.
 *
 * @param tensors         output tensors, in input order (after renames)
 * @param renames         old name → new name for tensors renamed by {@code --fix-clip}
 * @param keptExtras      top-level torch entries outside the state dict that the output keeps
 * @param actions         what the conversion does, one line each, for the user
 * @param warnings        things the user should know
 */
public record SlimPlan(
        List<Planned> tensors,
        Map<String, String> renames,
        Set<String> keptExtras,
        List<String> actions,
        List<String> warnings) {

    /**
     * One output tensor.
     *
     * @param name      output name
     * @param source    the tensor whose values are written (in {@code from}); null when {@code generated}
     * @param from      the checkpoint {@code source} lives in (the input, or a baked VAE file)
     * @param target    output dtype
     * @param shape     output shape
     * @param generated replacement bytes (already in {@code target}), or null
     */
    public record Planned(String name, StoredTensor source, Checkpoint from, DType target, long[] shape,
                          byte[] generated) {

        public long outputBytes() {
            return StoredTensor.numel(shape) * target.size();
        }

        /** Source bytes read to produce this tensor. */
        public long inputBytes() {
            return source == null ? 0 : source.byteSize();
        }
    }

    public long inputBytesToRead() {
        return tensors.stream().mapToLong(Planned::inputBytes).sum();
    }
}

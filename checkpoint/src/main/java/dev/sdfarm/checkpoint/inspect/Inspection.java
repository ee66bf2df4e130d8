package dev.sdfarm.checkpoint.inspect;

import dev.sdfarm.checkpoint.anatomy.ModelDescription;
import dev.sdfarm.checkpoint.hash.ModelHashes;
import java.util.List;
import java.util.Map;

/**
 * What {@code sdfarm inspect} reports about a checkpoint. {@link InspectionJson} renders it in the stable
 * JSON schema documented in {@code docs/inspect-json.md}.
 *
 * @param hashes              null when hashing was skipped
 * @param architecture        id of the matched architecture preset, or null for single-component files
 * @param positionIds         null when the family has no CLIP position ids
 * @param legacyTextEncoderKeys number of old NovelAI-style text-encoder keys ({@code --fix-clip} renames them)
 */
public record Inspection(
        FileInfo file,
        ModelHashes hashes,
        ModelDescription model,
        String architecture,
        Totals totals,
        List<ComponentSummary> components,
        EmaSummary ema,
        JunkSummary junk,
        PositionIds positionIds,
        Unknown unknown,
        Sharing sharing,
        int legacyTextEncoderKeys,
        Map<String, String> metadata,
        List<String> warnings) {

    /** @param format {@code safetensors} or {@code torch-zip} */
    public record FileInfo(String path, long bytes, String format) {
    }

    /** Tensors and bytes of one dtype. */
    public record DTypeCount(String dtype, long tensors, long bytes) {
    }

    public record Totals(long tensors, long parameters, long bytes, List<DTypeCount> dtypes) {
    }

    /** One component ({@code unet}, {@code text_encoder}, {@code vae}, {@code ema}, {@code schedule}, {@code other}). */
    public record ComponentSummary(String id, long tensors, long parameters, long bytes, List<DTypeCount> dtypes) {
    }

    /**
     * @param tensors    EMA weight tensors (bookkeeping excluded)
     * @param decay      value of {@code model_ema.decay}, or null
     * @param numUpdates value of {@code model_ema.num_updates}, or null
     */
    public record EmaSummary(boolean present, long tensors, long bytes, Double decay, Long numUpdates) {
    }

    /** Junk state-dict tensors that share one reason. */
    public record JunkGroup(String reason, long tensors, long bytes, List<String> examples) {
    }

    /** A top-level entry of a torch archive outside the state dict (training state). */
    public record ExtraEntry(String entry, long tensors, long bytes) {
    }

    /** What {@code --drop-junk} would remove. */
    public record JunkSummary(long tensors, long bytes, List<JunkGroup> groups, List<ExtraEntry> extras) {
    }

    /**
     * CLIP's position ids.
     *
     * @param state {@code ok} (int64 0..76), {@code absent}, {@code float} (float dtype, integral values 0..76),
     *              {@code broken} (non-integral float values), {@code not-arange} (integral but not 0..N-1)
     * @param nonIntegral number of non-integral values
     */
    public record PositionIds(String key, String state, String dtype, long[] shape, long nonIntegral) {
    }

    /** Tensors that do not belong to the recognised architecture ({@code --keep-only-known} drops them). */
    public record Unknown(long tensors, long bytes, List<String> keys) {
    }

    /**
     * Torch archives only.
     *
     * @param sharedTensors tensors whose storage another tensor also uses (tied weights, views)
     * @param views         tensors that are not a contiguous whole storage
     */
    public record Sharing(long sharedTensors, long views) {
    }
}

package dev.sdfarm.checkpoint.anatomy;

import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The parameters of the LDM/sgm {@code openaimodel.UNetModel} that decide its tensors, as the Stable
 * Diffusion inference configs give them ({@code use_spatial_transformer: True}, {@code legacy: False},
 * no scale-shift norm, convolutional resampling, 2-D).
 *
 * @param inChannels             latent channels in: 4, or 9 for inpainting models (latent + mask + masked image)
 * @param outChannels            latent channels out
 * @param modelChannels          width of the first level; the timestep embedding is 4x this
 * @param channelMult            width multiplier per level
 * @param numResBlocks           residual blocks per level on the way down (one more on the way up)
 * @param attentionResolutions   downsampling factors (1, 2, 4, ...) whose levels get a spatial transformer
 * @param numHeads               fixed head count, or 0 when heads are sized by {@code numHeadChannels}
 * @param numHeadChannels        channels per head, or 0 when the head count is fixed by {@code numHeads}
 * @param transformerDepth       transformer blocks per level; the middle block uses the last level's depth
 * @param contextDim             width of the text conditioning the cross-attention reads
 * @param useLinearInTransformer linear (SD2, SDXL) rather than 1x1-convolution (SD1) projections around the
 *                               transformer blocks
 * @param admInChannels          width of SDXL's pooled-text-and-size vector ({@code num_classes: sequential}),
 *                               or 0 for no {@code label_emb}
 */
public record UNetConfig(
        int inChannels,
        int outChannels,
        int modelChannels,
        List<Integer> channelMult,
        int numResBlocks,
        Set<Integer> attentionResolutions,
        int numHeads,
        int numHeadChannels,
        List<Integer> transformerDepth,
        int contextDim,
        boolean useLinearInTransformer,
        int admInChannels) {

    /** torch GroupNorm in these models always has 32 groups, so every normalised width must divide by 32. */
    static final int NORM_GROUPS = 32;

    public UNetConfig {
        channelMult = List.copyOf(channelMult);
        attentionResolutions = Collections.unmodifiableSet(new TreeSet<>(attentionResolutions));
        transformerDepth = List.copyOf(transformerDepth);
        validate(inChannels, outChannels, modelChannels, channelMult, numResBlocks, numHeads, numHeadChannels,
                transformerDepth, contextDim, admInChannels, attentionResolutions);
    }

    /** The same transformer depth on every level, as SD1/SD2 configs give it. */
    public static List<Integer> depthPerLevel(int depth, int levels) {
        return Collections.nCopies(levels, depth);
    }

    public UNetConfig withInChannels(int channels) {
        return new UNetConfig(channels, outChannels, modelChannels, channelMult, numResBlocks, attentionResolutions,
                numHeads, numHeadChannels, transformerDepth, contextDim, useLinearInTransformer, admInChannels);
    }

    /** Width of the timestep embedding. */
    public int timeEmbedDim() {
        return 4 * modelChannels;
    }

    /** Heads of a spatial transformer on a level of {@code channels} width. */
    public int headsAt(int channels) {
        return numHeadChannels > 0 ? channels / numHeadChannels : numHeads;
    }

    /** The tensors of this UNet, named as {@code UNetModel.state_dict()} names them. */
    public TensorLayout layout() {
        return UNetLayoutGenerator.generate(this);
    }

    private static void validate(int in, int out, int model, List<Integer> mult, int resBlocks, int heads,
                                 int headChannels, List<Integer> depth, int context, int adm, Set<Integer> attn) {
        if (in <= 0 || out <= 0 || model <= 0 || resBlocks <= 0 || context <= 0 || adm < 0 || mult.isEmpty()) {
            throw new IllegalArgumentException("UNet sizes must be positive");
        }
        if ((heads > 0) == (headChannels > 0)) {
            throw new IllegalArgumentException("give exactly one of numHeads and numHeadChannels");
        }
        if (depth.size() != mult.size()) {
            throw new IllegalArgumentException("transformerDepth needs one entry per level (" + mult.size() + ")");
        }
        int ds = 1;
        for (int level = 0; level < mult.size(); level++, ds *= 2) {
            int width = mult.get(level) * model;
            if (width % NORM_GROUPS != 0) {
                throw new IllegalArgumentException("level " + level + " width " + width
                        + " does not divide into GroupNorm's " + NORM_GROUPS + " groups");
            }
            boolean attends = attn.contains(ds) || level == mult.size() - 1; // the middle block always attends
            if (attends) {
                if (depth.get(level) <= 0 && attn.contains(ds)) {
                    throw new IllegalArgumentException("level " + level + " attends but has transformer depth 0");
                }
                int divisor = headChannels > 0 ? headChannels : heads;
                if (width % divisor != 0) {
                    throw new IllegalArgumentException("level " + level + " width " + width + " does not split into "
                            + (headChannels > 0 ? "heads of " + headChannels + " channels" : heads + " heads"));
                }
            }
        }
    }
}

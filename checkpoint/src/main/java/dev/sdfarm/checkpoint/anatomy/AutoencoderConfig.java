package dev.sdfarm.checkpoint.anatomy;

import static dev.sdfarm.checkpoint.anatomy.TorchModules.conv2d;
import static dev.sdfarm.checkpoint.anatomy.TorchModules.norm;

import java.util.List;

/**
 * The LDM {@code AutoencoderKL} (the VAE): {@code ldm.modules.diffusionmodules.model} Encoder and Decoder
 * plus the 1x1 {@code quant_conv}/{@code post_quant_conv}, with attention only in the middle blocks
 * ({@code attn_resolutions: []}) as in every Stable Diffusion VAE.
 *
 * @param inChannels   image channels in (3)
 * @param outChannels  image channels out (3)
 * @param ch           width of the first level
 * @param chMult       width multiplier per level
 * @param numResBlocks residual blocks per encoder level (the decoder has one more per level)
 * @param zChannels    latent channels
 * @param embedDim     channels after {@code quant_conv}
 * @param doubleZ      whether the encoder outputs mean and log-variance (2 x zChannels)
 */
public record AutoencoderConfig(
        int inChannels,
        int outChannels,
        int ch,
        List<Integer> chMult,
        int numResBlocks,
        int zChannels,
        int embedDim,
        boolean doubleZ) {

    public AutoencoderConfig {
        chMult = List.copyOf(chMult);
        if (inChannels <= 0 || outChannels <= 0 || ch <= 0 || numResBlocks <= 0 || zChannels <= 0 || embedDim <= 0
                || chMult.isEmpty()) {
            throw new IllegalArgumentException("autoencoder sizes must be positive");
        }
        for (int m : chMult) {
            if (m * ch % UNetConfig.NORM_GROUPS != 0) {
                throw new IllegalArgumentException("width " + m * ch + " does not divide into GroupNorm's "
                        + UNetConfig.NORM_GROUPS + " groups");
            }
        }
    }

    /** The VAE of SD1, SD2 and SDXL (same shapes in all three; SDXL retrained its weights). */
    public static AutoencoderConfig stableDiffusion() {
        return new AutoencoderConfig(3, 3, 128, List.of(1, 2, 4, 4), 2, 4, 4, true);
    }

    /** The tensors, named as {@code AutoencoderKL.state_dict()} names them. */
    public TensorLayout layout() {
        TensorLayout.Builder b = TensorLayout.builder();
        int levels = chMult.size();
        int zOut = doubleZ ? 2 * zChannels : zChannels;

        conv2d(b, "encoder.conv_in", inChannels, ch, 3);
        int blockIn = ch;
        for (int level = 0; level < levels; level++) {
            int blockOut = ch * chMult.get(level);
            for (int i = 0; i < numResBlocks; i++) {
                resnetBlock(b, "encoder.down." + level + ".block." + i, blockIn, blockOut);
                blockIn = blockOut;
            }
            if (level != levels - 1) {
                conv2d(b, "encoder.down." + level + ".downsample.conv", blockIn, blockIn, 3);
            }
        }
        middle(b, "encoder.mid", blockIn);
        norm(b, "encoder.norm_out", blockIn);
        conv2d(b, "encoder.conv_out", blockIn, zOut, 3);

        int top = ch * chMult.get(levels - 1);
        conv2d(b, "decoder.conv_in", zChannels, top, 3);
        middle(b, "decoder.mid", top);
        // decoder.up is indexed by level but built from the top level down, so each level's first block
        // takes the width of the level above it
        for (int level = 0; level < levels; level++) {
            int blockOut = ch * chMult.get(level);
            blockIn = level == levels - 1 ? top : ch * chMult.get(level + 1);
            for (int i = 0; i <= numResBlocks; i++) {
                resnetBlock(b, "decoder.up." + level + ".block." + i, blockIn, blockOut);
                blockIn = blockOut;
            }
            if (level != 0) {
                conv2d(b, "decoder.up." + level + ".upsample.conv", blockOut, blockOut, 3);
            }
        }
        int bottom = ch * chMult.get(0);
        norm(b, "decoder.norm_out", bottom);
        conv2d(b, "decoder.conv_out", bottom, outChannels, 3);

        conv2d(b, "quant_conv", zOut, 2L * embedDim, 1);
        conv2d(b, "post_quant_conv", embedDim, zChannels, 1);
        return b.build();
    }

    private static void middle(TensorLayout.Builder b, String prefix, int channels) {
        resnetBlock(b, prefix + ".block_1", channels, channels);
        norm(b, prefix + ".attn_1.norm", channels);
        for (String proj : new String[] {"q", "k", "v", "proj_out"}) {
            conv2d(b, prefix + ".attn_1." + proj, channels, channels, 1);
        }
        resnetBlock(b, prefix + ".block_2", channels, channels);
    }

    private static void resnetBlock(TensorLayout.Builder b, String prefix, int in, int out) {
        norm(b, prefix + ".norm1", in);
        conv2d(b, prefix + ".conv1", in, out, 3);
        norm(b, prefix + ".norm2", out);
        conv2d(b, prefix + ".conv2", out, out, 3);
        if (in != out) {
            conv2d(b, prefix + ".nin_shortcut", in, out, 1);
        }
    }
}

package dev.sdfarm.checkpoint.anatomy;

import static dev.sdfarm.checkpoint.anatomy.TorchModules.conv2d;
import static dev.sdfarm.checkpoint.anatomy.TorchModules.linear;
import static dev.sdfarm.checkpoint.anatomy.TorchModules.linearNoBias;
import static dev.sdfarm.checkpoint.anatomy.TorchModules.norm;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Walks {@code openaimodel.UNetModel.__init__} the way the upstream constructor does, emitting each
 * submodule's tensors: the numbering of {@code input_blocks}/{@code output_blocks} and of the layers inside
 * them ({@code .0} the ResBlock, {@code .1} the transformer, then the resampler) is positional in torch's
 * {@code Sequential}s, so it must follow the same loop.
 */
final class UNetLayoutGenerator {
    private final UNetConfig c;
    private final TensorLayout.Builder b = TensorLayout.builder();

    private UNetLayoutGenerator(UNetConfig c) {
        this.c = c;
    }

    static TensorLayout generate(UNetConfig config) {
        return new UNetLayoutGenerator(config).build();
    }

    private TensorLayout build() {
        int model = c.modelChannels();
        int temb = c.timeEmbedDim();
        linear(b, "time_embed.0", model, temb);
        linear(b, "time_embed.2", temb, temb);
        if (c.admInChannels() > 0) {
            linear(b, "label_emb.0.0", c.admInChannels(), temb);
            linear(b, "label_emb.0.2", temb, temb);
        }

        conv2d(b, "input_blocks.0.0", c.inChannels(), model, 3);
        // widths of the skip connections, consumed in reverse by the output blocks
        Deque<Integer> skips = new ArrayDeque<>();
        skips.push(model);
        int ch = model;
        int ds = 1;
        int block = 1;
        int levels = c.channelMult().size();
        for (int level = 0; level < levels; level++) {
            int width = c.channelMult().get(level) * model;
            for (int r = 0; r < c.numResBlocks(); r++) {
                String prefix = "input_blocks." + block;
                resBlock(prefix + ".0", ch, width);
                ch = width;
                if (c.attentionResolutions().contains(ds)) {
                    spatialTransformer(prefix + ".1", ch, c.transformerDepth().get(level));
                }
                skips.push(ch);
                block++;
            }
            if (level != levels - 1) {
                conv2d(b, "input_blocks." + block + ".0.op", ch, ch, 3);
                skips.push(ch);
                ds *= 2;
                block++;
            }
        }

        resBlock("middle_block.0", ch, ch);
        spatialTransformer("middle_block.1", ch, c.transformerDepth().get(levels - 1));
        resBlock("middle_block.2", ch, ch);

        block = 0;
        for (int level = levels - 1; level >= 0; level--) {
            int width = c.channelMult().get(level) * model;
            for (int i = 0; i <= c.numResBlocks(); i++) {
                String prefix = "output_blocks." + block;
                resBlock(prefix + ".0", ch + skips.pop(), width);
                ch = width;
                int layer = 1;
                if (c.attentionResolutions().contains(ds)) {
                    spatialTransformer(prefix + "." + layer, ch, c.transformerDepth().get(level));
                    layer++;
                }
                if (level > 0 && i == c.numResBlocks()) {
                    conv2d(b, prefix + "." + layer + ".conv", ch, ch, 3);
                    ds /= 2;
                }
                block++;
            }
        }

        norm(b, "out.0", ch);
        conv2d(b, "out.2", model, c.outChannels(), 3);
        return b.build();
    }

    private void resBlock(String prefix, int in, int out) {
        norm(b, prefix + ".in_layers.0", in);
        conv2d(b, prefix + ".in_layers.2", in, out, 3);
        linear(b, prefix + ".emb_layers.1", c.timeEmbedDim(), out);
        norm(b, prefix + ".out_layers.0", out);
        conv2d(b, prefix + ".out_layers.3", out, out, 3);
        if (in != out) {
            conv2d(b, prefix + ".skip_connection", in, out, 1);
        }
    }

    private void spatialTransformer(String prefix, int channels, int depth) {
        int heads = c.headsAt(channels);
        int inner = heads * (channels / heads);
        norm(b, prefix + ".norm", channels);
        projection(prefix + ".proj_in", channels, inner);
        for (int d = 0; d < depth; d++) {
            String blk = prefix + ".transformer_blocks." + d;
            attention(blk + ".attn1", inner, inner);
            // GEGLU: one Linear producing value and gate, each 4x the width
            linear(b, blk + ".ff.net.0.proj", inner, inner * 4L * 2);
            linear(b, blk + ".ff.net.2", inner * 4L, inner);
            attention(blk + ".attn2", inner, c.contextDim());
            norm(b, blk + ".norm1", inner);
            norm(b, blk + ".norm2", inner);
            norm(b, blk + ".norm3", inner);
        }
        projection(prefix + ".proj_out", inner, channels);
    }

    private void projection(String name, int in, int out) {
        if (c.useLinearInTransformer()) {
            linear(b, name, in, out);
        } else {
            conv2d(b, name, in, out, 1);
        }
    }

    private void attention(String prefix, int dim, int contextDim) {
        linearNoBias(b, prefix + ".to_q", dim, dim);
        linearNoBias(b, prefix + ".to_k", contextDim, dim);
        linearNoBias(b, prefix + ".to_v", contextDim, dim);
        linear(b, prefix + ".to_out.0", dim, dim);
    }
}

package dev.sdfarm.checkpoint.anatomy;

import static dev.sdfarm.checkpoint.anatomy.TorchModules.embedding;
import static dev.sdfarm.checkpoint.anatomy.TorchModules.linear;
import static dev.sdfarm.checkpoint.anatomy.TorchModules.norm;

/**
 * The text half of an OpenCLIP {@code CLIP} model, as SD2 and SDXL store it: the embedders keep the whole
 * {@code open_clip.CLIP} with its vision tower deleted, so the state dict holds the text transformer plus
 * {@code text_projection} and {@code logit_scale}. Attention is torch's {@code nn.MultiheadAttention}
 * (packed {@code in_proj_weight}).
 *
 * @param vocabSize     token embedding rows (49408)
 * @param width         width of the residual stream
 * @param heads         attention heads; must divide {@code width}
 * @param layers        residual attention blocks
 * @param contextLength positional embedding rows (77)
 * @param embedDim      output width of {@code text_projection}
 * @param mlpWidth      hidden width of each block's MLP (4 x width in these models)
 */
public record OpenClipTextConfig(
        int vocabSize,
        int width,
        int heads,
        int layers,
        int contextLength,
        int embedDim,
        int mlpWidth) implements TextEncoderConfig {

    public OpenClipTextConfig {
        if (vocabSize <= 0 || width <= 0 || heads <= 0 || layers <= 0 || contextLength <= 0 || embedDim <= 0
                || mlpWidth <= 0) {
            throw new IllegalArgumentException("OpenCLIP text sizes must be positive");
        }
        if (width % heads != 0) {
            throw new IllegalArgumentException("width " + width + " does not split into " + heads + " heads");
        }
    }

    /** OpenCLIP ViT-H-14's text tower (SD2's text encoder). */
    public static OpenClipTextConfig vitH14() {
        return new OpenClipTextConfig(49408, 1024, 16, 24, 77, 1024, 4096);
    }

    /** OpenCLIP ViT-bigG-14's text tower (SDXL's second text encoder, the refiner's only one). */
    public static OpenClipTextConfig vitBigG14() {
        return new OpenClipTextConfig(49408, 1280, 20, 32, 77, 1280, 5120);
    }

    @Override
    public int hiddenSize() {
        return width;
    }

    @Override
    public TensorLayout layout() {
        TensorLayout.Builder b = TensorLayout.builder();
        b.add("positional_embedding", contextLength, width);
        b.add("text_projection", width, embedDim);
        b.add("logit_scale");
        for (int i = 0; i < layers; i++) {
            String block = "transformer.resblocks." + i;
            norm(b, block + ".ln_1", width);
            b.add(block + ".attn.in_proj_weight", 3L * width, width);
            b.add(block + ".attn.in_proj_bias", 3L * width);
            linear(b, block + ".attn.out_proj", width, width);
            norm(b, block + ".ln_2", width);
            linear(b, block + ".mlp.c_fc", width, mlpWidth);
            linear(b, block + ".mlp.c_proj", mlpWidth, width);
        }
        embedding(b, "token_embedding", vocabSize, width);
        norm(b, "ln_final", width);
        return b.build();
    }
}

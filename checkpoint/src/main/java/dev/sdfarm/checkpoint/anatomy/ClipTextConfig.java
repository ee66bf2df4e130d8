package dev.sdfarm.checkpoint.anatomy;

import static dev.sdfarm.checkpoint.anatomy.TorchModules.embedding;
import static dev.sdfarm.checkpoint.anatomy.TorchModules.linear;
import static dev.sdfarm.checkpoint.anatomy.TorchModules.norm;

import dev.sdfarm.checkpoint.DType;

/**
 * Hugging Face {@code transformers.CLIPTextModel}, the SD1 text encoder and SDXL's first one (OpenAI CLIP
 * ViT-L/14). Keys are rooted at {@code text_model.}.
 *
 * @param vocabSize          token embedding rows (49408 for the CLIP BPE vocabulary)
 * @param hiddenSize         width of the hidden states
 * @param intermediateSize   width of the MLP
 * @param numLayers          encoder layers
 * @param numHeads           attention heads; must divide {@code hiddenSize}
 * @param maxPositions       position embedding rows (77)
 * @param positionIdsBuffer  whether the int64 {@code embeddings.position_ids} buffer is in the state dict:
 *                           transformers before 4.31 saved it, and SD1/SDXL checkpoints carry it
 */
public record ClipTextConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int maxPositions,
        boolean positionIdsBuffer) implements TextEncoderConfig {

    public ClipTextConfig {
        if (vocabSize <= 0 || hiddenSize <= 0 || intermediateSize <= 0 || numLayers <= 0 || numHeads <= 0
                || maxPositions <= 0) {
            throw new IllegalArgumentException("CLIP text sizes must be positive");
        }
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("hidden size " + hiddenSize + " does not split into " + numHeads
                    + " heads");
        }
    }

    /** OpenAI CLIP ViT-L/14's text tower ({@code openai/clip-vit-large-patch14}). */
    public static ClipTextConfig vitL14() {
        return new ClipTextConfig(49408, 768, 3072, 12, 12, 77, true);
    }

    public ClipTextConfig withoutPositionIds() {
        return new ClipTextConfig(vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, maxPositions, false);
    }

    @Override
    public TensorLayout layout() {
        TensorLayout.Builder b = TensorLayout.builder();
        String emb = "text_model.embeddings.";
        if (positionIdsBuffer) {
            b.addBuffer(emb + "position_ids", DType.I64, 1, maxPositions);
        }
        embedding(b, emb + "token_embedding", vocabSize, hiddenSize);
        embedding(b, emb + "position_embedding", maxPositions, hiddenSize);
        for (int i = 0; i < numLayers; i++) {
            String layer = "text_model.encoder.layers." + i;
            for (String proj : new String[] {"k_proj", "v_proj", "q_proj", "out_proj"}) {
                linear(b, layer + ".self_attn." + proj, hiddenSize, hiddenSize);
            }
            norm(b, layer + ".layer_norm1", hiddenSize);
            linear(b, layer + ".mlp.fc1", hiddenSize, intermediateSize);
            linear(b, layer + ".mlp.fc2", intermediateSize, hiddenSize);
            norm(b, layer + ".layer_norm2", hiddenSize);
        }
        norm(b, "text_model.final_layer_norm", hiddenSize);
        return b.build();
    }
}

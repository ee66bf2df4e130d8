package dev.sdfarm.diffusion.clip;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.anatomy.CheckpointKeys;
import dev.sdfarm.checkpoint.anatomy.CheckpointListing;
import dev.sdfarm.checkpoint.anatomy.ClipTextConfig;
import dev.sdfarm.checkpoint.anatomy.ModelAnatomy;
import dev.sdfarm.diffusion.ModelLoadException;
import dev.sdfarm.diffusion.ModelWeights;
import dev.sdfarm.diffusion.tensor.Activation;
import dev.sdfarm.diffusion.tensor.Backend;
import dev.sdfarm.diffusion.tensor.Shape;
import dev.sdfarm.diffusion.tensor.Tensor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The CLIP text transformer of SD1.x (OpenAI CLIP ViT-L/14, in Hugging Face's {@code CLIPTextModel} layout under
 * {@code cond_stage_model.transformer.}): token + position embeddings, pre-norm layers of causal multi-head
 * attention and a quick-GELU MLP, and the final layer norm.
 *
 * <p>{@code clipSkip} follows AUTOMATIC1111: 1 is the last layer's output, n &gt; 1 stops n - 1 layers early; the
 * final layer norm is applied in both cases (A1111 normalises the earlier hidden state too).
 */
public final class ClipTextEncoder {
    /** Where SD1 checkpoints keep the text model; older exports lack the {@code text_model.} level. */
    static final String LEGACY_PREFIX = CheckpointKeys.SD1_TEXT_ENCODER;
    static final String PREFIX = LEGACY_PREFIX + "text_model.";
    /** Every CLIP text tower (ViT-L/14, OpenCLIP ViT-H and bigG) uses 64-wide attention heads. */
    private static final int HEAD_WIDTH = 64;
    private static final float LAYER_NORM_EPS = 1e-5f;
    /** Tokens per encoded chunk: BOS, 75 prompt tokens, EOS. */
    public static final int CHUNK_TOKENS = 77;

    private final Backend backend;
    private final ClipTextConfig config;
    private final Tensor tokenEmbedding;
    private final Tensor positionEmbedding;
    private final List<Layer> layers;
    private final Tensor finalNormWeight;
    private final Tensor finalNormBias;

    private record Layer(Tensor norm1Weight, Tensor norm1Bias, Tensor q, Tensor qBias, Tensor k, Tensor kBias,
                         Tensor v, Tensor vBias, Tensor out, Tensor outBias, Tensor norm2Weight, Tensor norm2Bias,
                         Tensor fc1, Tensor fc1Bias, Tensor fc2, Tensor fc2Bias) {
    }

    private ClipTextEncoder(Backend backend, ClipTextConfig config, ModelWeights w) {
        this.backend = backend;
        this.config = config;
        this.tokenEmbedding = w.get("embeddings.token_embedding.weight");
        this.positionEmbedding = w.get("embeddings.position_embedding.weight");
        List<Layer> list = new ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) {
            String p = "encoder.layers." + i + ".";
            list.add(new Layer(w.get(p + "layer_norm1.weight"), w.get(p + "layer_norm1.bias"),
                    w.get(p + "self_attn.q_proj.weight"), w.get(p + "self_attn.q_proj.bias"),
                    w.get(p + "self_attn.k_proj.weight"), w.get(p + "self_attn.k_proj.bias"),
                    w.get(p + "self_attn.v_proj.weight"), w.get(p + "self_attn.v_proj.bias"),
                    w.get(p + "self_attn.out_proj.weight"), w.get(p + "self_attn.out_proj.bias"),
                    w.get(p + "layer_norm2.weight"), w.get(p + "layer_norm2.bias"),
                    w.get(p + "mlp.fc1.weight"), w.get(p + "mlp.fc1.bias"),
                    w.get(p + "mlp.fc2.weight"), w.get(p + "mlp.fc2.bias")));
        }
        this.layers = List.copyOf(list);
        this.finalNormWeight = w.get("final_layer_norm.weight");
        this.finalNormBias = w.get("final_layer_norm.bias");
    }

    /**
     * The SD1 text encoder of {@code checkpoint} on {@code backend}. The checkpoint must stay open while the
     * encoder is used (on the CPU its weights are views of the mapped file).
     *
     * @throws ModelLoadException if the checkpoint has no SD1 text encoder or its tensors have unexpected shapes
     */
    public static ClipTextEncoder load(Backend backend, Checkpoint checkpoint) throws IOException {
        String prefix = checkpoint.tensor(PREFIX + "embeddings.token_embedding.weight").isPresent() ? PREFIX
                : LEGACY_PREFIX;
        ModelWeights weights = new ModelWeights(backend, checkpoint, prefix,
                "an SD1.x checkpoint with a CLIP text encoder");
        ClipTextConfig config = configOf(checkpoint, weights);
        return new ClipTextEncoder(backend, config, weights);
    }

    public ClipTextConfig config() {
        return config;
    }

    public Backend backend() {
        return backend;
    }

    /**
     * Hidden states {@code [sequences, length, hidden]} for token ids {@code [sequences][length]} (each sequence a
     * full 77-token chunk as A1111 builds them; all must have the same length).
     *
     * @param clipSkip 1 for the last layer, 2 for the penultimate, ... up to the layer count
     */
    public Tensor encode(int[][] tokens, int clipSkip) {
        if (clipSkip < 1 || clipSkip > config.numLayers()) {
            throw new IllegalArgumentException("clip skip must be between 1 and " + config.numLayers() + ", got "
                    + clipSkip);
        }
        int n = tokens.length;
        int length = tokens[0].length;
        if (length > config.maxPositions()) {
            throw new IllegalArgumentException(length + " tokens exceed the " + config.maxPositions()
                    + " positions of the text encoder");
        }
        int[] flat = new int[n * length];
        for (int s = 0; s < n; s++) {
            if (tokens[s].length != length) {
                throw new IllegalArgumentException("token sequences differ in length: " + length + " and "
                        + tokens[s].length);
            }
            System.arraycopy(tokens[s], 0, flat, s * length, length);
        }
        int hidden = config.hiddenSize();
        Tensor positions = backend.embedding(positionEmbedding, IntStream.range(0, length).toArray());
        Tensor x = backend.reshape(backend.embedding(tokenEmbedding, flat), Shape.of(n, length, hidden));
        x = backend.add(x, positions);
        int run = config.numLayers() - (clipSkip - 1);
        for (int i = 0; i < run; i++) {
            x = layer(layers.get(i), x);
        }
        return backend.layerNorm(x, finalNormWeight, finalNormBias, LAYER_NORM_EPS);
    }

    private Tensor layer(Layer l, Tensor x) {
        Tensor h = backend.layerNorm(x, l.norm1Weight, l.norm1Bias, LAYER_NORM_EPS);
        Tensor q = backend.linear(h, l.q, l.qBias);
        Tensor k = backend.linear(h, l.k, l.kBias);
        Tensor v = backend.linear(h, l.v, l.vBias);
        Tensor attended = backend.attention(q, k, v, config.numHeads(), true);
        x = backend.add(x, backend.linear(attended, l.out, l.outBias));
        h = backend.layerNorm(x, l.norm2Weight, l.norm2Bias, LAYER_NORM_EPS);
        h = backend.activation(backend.linear(h, l.fc1, l.fc1Bias), Activation.QUICK_GELU);
        return backend.add(x, backend.linear(h, l.fc2, l.fc2Bias));
    }

    /** The preset's config when the checkpoint is a known architecture, else one read off the tensor shapes. */
    private static ClipTextConfig configOf(Checkpoint checkpoint, ModelWeights w) {
        ModelAnatomy anatomy = ModelAnatomy.of(CheckpointListing.ofStored(checkpoint.tensors(), List.of()));
        var known = anatomy.architecture().stream()
                .flatMap(a -> a.textEncoders().stream())
                .filter(t -> t.prefix().equals(LEGACY_PREFIX) && t.config() instanceof ClipTextConfig)
                .map(t -> (ClipTextConfig) t.config())
                .findFirst();
        if (known.isPresent()) {
            return known.get();
        }
        long[] tokenShape = w.shape("embeddings.token_embedding.weight");
        long[] positionShape = w.shape("embeddings.position_embedding.weight");
        long[] fc1 = w.shape("encoder.layers.0.mlp.fc1.weight");
        int hidden = Math.toIntExact(tokenShape[1]);
        int layers = 0;
        while (w.has("encoder.layers." + layers + ".mlp.fc1.weight")) {
            layers++;
        }
        if (hidden % HEAD_WIDTH != 0) {
            throw new ModelLoadException("text encoder width " + hidden + " is not a multiple of the 64-wide heads of"
                    + " CLIP; this checkpoint's text encoder is not one the engine knows");
        }
        return new ClipTextConfig(Math.toIntExact(tokenShape[0]), hidden, Math.toIntExact(fc1[0]), layers,
                hidden / HEAD_WIDTH, Math.toIntExact(positionShape[0]), false);
    }
}

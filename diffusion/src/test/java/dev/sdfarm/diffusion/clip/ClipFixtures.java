package dev.sdfarm.diffusion.clip;

import dev.sdfarm.diffusion.TestResources;
import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.CheckpointFormat;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.checkpoint.anatomy.ArchitecturePreset;
import dev.sdfarm.checkpoint.json.StrictJson;
import dev.sdfarm.checkpoint.slim.Progress;
import dev.sdfarm.checkpoint.synth.Synthesizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reference fixtures for the CLIP text encoder and AUTOMATIC1111 prompt conditioning, made by running Hugging Face
 * transformers' {@code CLIPTextModel} and the webui's own conditioning code on the tiny synthetic checkpoint (see
 * {@code diffusion/src/test/fixtures/clip/README.md}), and that checkpoint itself.
 *
 * <p>{@link #checkpoint(Precision)} synthesizes the checkpoint once per JVM through the Java API with the preset,
 * seed and dtype the fixtures were made from, and refuses it when its sha256 is not the one they were made from.
 * Tensors are {@code float[]} in row-major order: an encoder output or a conditioning tensor of {@code n} rows is
 * {@code n * 64} floats, row {@code r} (a token position) at {@code [r * 64, (r + 1) * 64)}.
 */
public final class ClipFixtures {
    /** Seed of the synthetic weights ({@code sdfarm synth --preset tiny --seed 7}). */
    public static final long SEED = 7;
    /** sha256 of {@code sdfarm synth OUT.safetensors --preset tiny --seed 7 --dtype fp32}. */
    public static final String CHECKPOINT_SHA256_FP32 =
            "8853aee0e20edc5945f9e8eefdee574148fc50a896b2f9efb06b4fbe8840eb06";
    /** sha256 of {@code sdfarm synth OUT.safetensors --preset tiny --seed 7 --dtype fp16}. */
    public static final String CHECKPOINT_SHA256_FP16 =
            "9c70eae68a2b788c6495a6c0dd5fd28462880f512d98d65f1b22e5fbf30c7f26";
    /** Key prefix of the text encoder (HF {@code CLIPTextModel} layout) in the checkpoint. */
    public static final String TEXT_ENCODER_PREFIX = "cond_stage_model.transformer.";
    /** Width of the tiny text encoder's hidden states. */
    public static final int HIDDEN = 64;
    /** Tokens per chunk: BOS, 75 prompt tokens, EOS. */
    public static final int CHUNK = 77;
    public static final int BOS = 49406;
    public static final int EOS = 49407;
    /** The tolerance the fixtures are meant for (max abs difference). */
    public static final double TOLERANCE = 1e-4;

    public static final String ENCODER_FP32 = "encoder-tokens.safetensors";
    public static final String ENCODER_FP16 = "encoder-tokens-fp16.safetensors";
    public static final String CONDITIONING = "conditioning.safetensors";
    public static final String CONDITIONING_JSON = "conditioning.json";

    /** The dtype of the checkpoint's weights; the references are computed in fp32 either way. */
    public enum Precision {
        FP32(DType.F32, CHECKPOINT_SHA256_FP32, ENCODER_FP32),
        FP16(DType.F16, CHECKPOINT_SHA256_FP16, ENCODER_FP16);

        private final DType dtype;
        private final String sha256;
        private final String encoderFixture;

        Precision(DType dtype, String sha256, String encoderFixture) {
            this.dtype = dtype;
            this.sha256 = sha256;
            this.encoderFixture = encoderFixture;
        }

        public DType dtype() {
            return dtype;
        }

        public String sha256() {
            return sha256;
        }

        public String encoderFixture() {
            return encoderFixture;
        }
    }

    /**
     * One raw encoder reference: a 77-token sequence and the text model's outputs for it.
     *
     * @param skip1 {@code CLIPTextModel} {@code last_hidden_state}, [77, 64]
     * @param skip2 {@code final_layer_norm(hidden_states[-2])}, [77, 64] (A1111 clip skip 2)
     */
    public record EncoderReference(int index, String description, int[] tokens, float[] skip1, float[] skip2) {
        /** The output for A1111's clip skip 1 or 2. */
        public float[] forClipSkip(int clipSkip) {
            return switch (clipSkip) {
                case 1 -> skip1;
                case 2 -> skip2;
                default -> throw new IllegalArgumentException("the fixtures cover clip skip 1 and 2, not " + clipSkip);
            };
        }
    }

    /**
     * One prompt's A1111 conditioning.
     *
     * @param prompt        the prompt as typed
     * @param encodedText   the text that reached the embedder: extra-network tags removed, a trailing
     *                      {@code :weight} split off ({@link #condWeight}), trailing whitespace trimmed
     * @param condWeight    the composable-diffusion weight A1111 parsed off the prompt (1.0 unless {@code text:w})
     * @param tokens        per chunk, the 77 token ids ({@code tokenize_line})
     * @param multipliers   per chunk, the 77 emphasis multipliers as Python computed them (doubles; the webui
     *                      rounds them to float32 before multiplying)
     * @param conds         clip skip (1, 2) to the cond tensor, [chunks * 77, 64]
     * @param fp32Deviation clip skip to the max abs difference between the stored reference (the webui code run
     *                      in float64) and the same code run in torch fp32
     */
    public record PromptReference(int index, String prompt, List<String> features, String encodedText,
                                  double condWeight, int chunks, int[][] tokens, double[][] multipliers,
                                  Map<Integer, float[]> conds, Map<Integer, Double> fp32Deviation) {
        public float[] cond(int clipSkip) {
            float[] c = conds.get(clipSkip);
            if (c == null) {
                throw new IllegalArgumentException("no reference for clip skip " + clipSkip);
            }
            return c;
        }
    }

    /** A prompt and a negative prompt after {@code CFGDenoiser.pad_cond_uncond}: both [paddedChunks * 77, 64]. */
    public record PairReference(int index, String prompt, String negativePrompt, String encodedText,
                                String encodedNegativeText, int condChunks, int uncondChunks, int paddedChunks,
                                Map<Integer, float[]> conds, Map<Integer, float[]> unconds,
                                Map<Integer, Double> fp32Deviation) {
        public float[] cond(int clipSkip) {
            return conds.get(clipSkip);
        }

        public float[] uncond(int clipSkip) {
            return unconds.get(clipSkip);
        }
    }

    /** Everything in conditioning.json and conditioning.safetensors. */
    public record Conditioning(Map<String, Object> json, List<PromptReference> prompts, List<PairReference> pairs) {
        public PromptReference prompt(String text) {
            return prompts.stream().filter(p -> p.prompt().equals(text)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no fixture for prompt " + text));
        }
    }

    private static Path tempDir;
    private static final Map<Precision, Path> CHECKPOINTS = new EnumMap<>(Precision.class);

    private ClipFixtures() {
    }

    /** The fp32 tiny checkpoint the fixtures were made from. */
    public static Path checkpoint() {
        return checkpoint(Precision.FP32);
    }

    /**
     * The tiny checkpoint of that precision, synthesized on first use (once per JVM) with
     * {@link Synthesizer#write} and the preset, seed and dtype the fixtures were made from.
     *
     * @throws IllegalStateException when its sha256 is not the one the fixtures were made from
     */
    public static synchronized Path checkpoint(Precision precision) {
        Path cached = CHECKPOINTS.get(precision);
        if (cached != null) {
            return cached;
        }
        try {
            Path p = tempDir().resolve("tiny-seed" + SEED + "-" + precision.name().toLowerCase(Locale.ROOT) + ".safetensors");
            Synthesizer.write(p, new Synthesizer.Options(ArchitecturePreset.TINY_SD1, CheckpointFormat.SAFETENSORS,
                    precision.dtype(), false, false, SEED), true, Progress.NONE);
            String actual = sha256(p);
            if (!actual.equals(precision.sha256())) {
                throw new IllegalStateException("the synthetic tiny checkpoint (seed " + SEED + ", "
                        + precision.dtype().displayName() + ") now has sha256 " + actual + ", but the CLIP fixtures "
                        + "were generated from " + precision.sha256() + ": the synthesizer's output changed, so the "
                        + "references no longer describe it. If the change is intended, regenerate the fixtures "
                        + "(diffusion/src/test/fixtures/clip/README.md) and update the pinned hashes.");
            }
            CHECKPOINTS.put(precision, p);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A fixture file from the test resources beside this class, as a file path. */
    public static Path resource(String name) {
        return TestResources.path(ClipFixtures.class, name);
    }

    /** The raw encoder references computed from the checkpoint of that precision. */
    public static List<EncoderReference> encoder(Precision precision) {
        try (Checkpoint cp = Checkpoint.open(resource(precision.encoderFixture()))) {
            Map<String, String> meta = cp.metadata();
            requireSha(precision.encoderFixture(), meta.get("checkpoint_sha256"), precision.sha256());
            int n = Integer.parseInt(meta.get("count"));
            List<EncoderReference> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                out.add(new EncoderReference(i, meta.get("sequence." + i), ints(cp, "tokens." + i, CHUNK),
                        floats(cp, "skip1." + i, CHUNK, HIDDEN), floats(cp, "skip2." + i, CHUNK, HIDDEN)));
            }
            return List.copyOf(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The end-to-end conditioning references (fp32 checkpoint). */
    @SuppressWarnings("unchecked")
    public static Conditioning conditioning() {
        Map<String, Object> json;
        try {
            json = (Map<String, Object>) StrictJson.parse(Files.readAllBytes(resource(CONDITIONING_JSON)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Object> ckpt = (Map<String, Object>) json.get("checkpoint");
        requireSha(CONDITIONING_JSON, (String) ckpt.get("sha256"), CHECKPOINT_SHA256_FP32);
        try (Checkpoint cp = Checkpoint.open(resource((String) json.get("tensors_file")))) {
            requireSha(CONDITIONING, cp.metadata().get("checkpoint_sha256"), CHECKPOINT_SHA256_FP32);
            List<PromptReference> prompts = new ArrayList<>();
            for (Object o : (List<Object>) json.get("prompts")) {
                Map<String, Object> p = (Map<String, Object>) o;
                int chunks = integer(p.get("chunks"));
                Map<Integer, float[]> conds = new TreeMap<>();
                Map<Integer, Double> dev = new TreeMap<>();
                for (Object r : (List<Object>) p.get("references")) {
                    Map<String, Object> ref = (Map<String, Object>) r;
                    int skip = integer(ref.get("clip_skip"));
                    conds.put(skip, floats(cp, (String) ref.get("tensor"), (long) chunks * CHUNK, HIDDEN));
                    dev.put(skip, number(ref.get("fp32_deviation")));
                }
                prompts.add(new PromptReference(integer(p.get("index")), (String) p.get("prompt"),
                        List.copyOf((List<String>) (List<?>) p.get("features")), (String) p.get("encoded_text"),
                        number(p.get("cond_weight")), chunks, intRows((List<Object>) p.get("tokens")),
                        doubleRows((List<Object>) p.get("multipliers")), Collections.unmodifiableMap(conds),
                        Collections.unmodifiableMap(dev)));
            }
            List<PairReference> pairs = new ArrayList<>();
            for (Object o : (List<Object>) json.get("pairs")) {
                Map<String, Object> p = (Map<String, Object>) o;
                int padded = integer(p.get("padded_chunks"));
                Map<Integer, float[]> conds = new TreeMap<>();
                Map<Integer, float[]> unconds = new TreeMap<>();
                Map<Integer, Double> dev = new TreeMap<>();
                for (Object r : (List<Object>) p.get("references")) {
                    Map<String, Object> ref = (Map<String, Object>) r;
                    int skip = integer(ref.get("clip_skip"));
                    conds.put(skip, floats(cp, (String) ref.get("cond"), (long) padded * CHUNK, HIDDEN));
                    unconds.put(skip, floats(cp, (String) ref.get("uncond"), (long) padded * CHUNK, HIDDEN));
                    dev.put(skip, number(ref.get("fp32_deviation")));
                }
                pairs.add(new PairReference(integer(p.get("index")), (String) p.get("prompt"),
                        (String) p.get("negative_prompt"), (String) p.get("encoded_text"),
                        (String) p.get("encoded_negative_text"), integer(p.get("cond_chunks")),
                        integer(p.get("uncond_chunks")), padded, Collections.unmodifiableMap(conds),
                        Collections.unmodifiableMap(unconds), Collections.unmodifiableMap(dev)));
            }
            return new Conditioning(json, List.copyOf(prompts), List.copyOf(pairs));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A float tensor of a fixture file, checked to be F32 of exactly that shape. */
    public static float[] floats(Checkpoint cp, String name, long... shape) throws IOException {
        StoredTensor t = tensor(cp, name, DType.F32, shape);
        ByteBuffer b = ByteBuffer.wrap(cp.readAll(t)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[(int) t.numel()];
        b.asFloatBuffer().get(v);
        return v;
    }

    /** An int tensor of a fixture file, checked to be I32 of exactly that shape. */
    public static int[] ints(Checkpoint cp, String name, long... shape) throws IOException {
        StoredTensor t = tensor(cp, name, DType.I32, shape);
        ByteBuffer b = ByteBuffer.wrap(cp.readAll(t)).order(ByteOrder.LITTLE_ENDIAN);
        int[] v = new int[(int) t.numel()];
        b.asIntBuffer().get(v);
        return v;
    }

    /** Rows {@code [from, to)} of a row-major [n, 64] tensor. */
    public static float[] rows(float[] t, int from, int to) {
        return Arrays.copyOfRange(t, from * HIDDEN, to * HIDDEN);
    }

    /** Largest absolute element difference; the arrays must have the same length. */
    public static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("lengths differ: " + a.length + " vs " + b.length);
        }
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[i]));
        }
        return m;
    }

    private static StoredTensor tensor(Checkpoint cp, String name, DType dtype, long... shape) {
        StoredTensor t = cp.tensor(name).orElseThrow(
                () -> new IllegalArgumentException(cp.path().getFileName() + " has no tensor " + name));
        if (t.dtype() != dtype || !Arrays.equals(t.shape(), shape)) {
            throw new IllegalStateException(cp.path().getFileName() + ": " + name + " is " + t.dtype().displayName()
                    + " " + t.shapeString() + ", expected " + dtype.displayName() + " " + Arrays.toString(shape));
        }
        return t;
    }

    private static void requireSha(String file, String recorded, String expected) {
        if (!expected.equals(recorded)) {
            throw new IllegalStateException(file + " was made from the checkpoint with sha256 " + recorded
                    + ", not " + expected + "; regenerate the fixtures or fix the pinned hash");
        }
    }

    private static int integer(Object o) {
        return Math.toIntExact((Long) o);
    }

    private static double number(Object o) {
        return ((Number) o).doubleValue();
    }

    @SuppressWarnings("unchecked")
    private static int[][] intRows(List<Object> rows) {
        int[][] out = new int[rows.size()][];
        for (int r = 0; r < out.length; r++) {
            List<Object> row = (List<Object>) rows.get(r);
            out[r] = row.stream().mapToInt(ClipFixtures::integer).toArray();
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static double[][] doubleRows(List<Object> rows) {
        double[][] out = new double[rows.size()][];
        for (int r = 0; r < out.length; r++) {
            List<Object> row = (List<Object>) rows.get(r);
            out[r] = row.stream().mapToDouble(ClipFixtures::number).toArray();
        }
        return out;
    }

    static String sha256(Path p) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static Path tempDir() throws IOException {
        if (tempDir == null) {
            Path d = Files.createTempDirectory("sdfarm-clip-fixtures-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(d)));
            tempDir = d;
        }
        return tempDir;
    }

    private static void deleteTree(Path d) {
        try (var s = Files.list(d)) {
            for (Path p : s.toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(d);
        } catch (IOException ignored) {
            // best effort at JVM exit
        }
    }
}

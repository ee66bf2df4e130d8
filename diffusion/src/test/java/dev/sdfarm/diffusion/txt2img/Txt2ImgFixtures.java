package dev.sdfarm.diffusion.txt2img;

import dev.sdfarm.diffusion.TestResources;
import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.checkpoint.json.StrictJson;
import dev.sdfarm.diffusion.clip.ClipFixtures;
import dev.sdfarm.diffusion.unet.UNetFixtures.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * End-to-end txt2img references: AUTOMATIC1111 webui v1.10.1's txt2img flow (prompt conditioning, {@code rng.ImageRNG}
 * noise, {@code sd_samplers_kdiffusion}/{@code sd_samplers_timesteps} with {@code CFGDenoiser}, k-diffusion
 * ab527a9a's samplers, {@code decode_first_stage}, the {@code processing.py} image conversion and
 * {@code create_infotext}) run in float32 on CPU on the tiny synthetic SD1 checkpoint; see
 * {@code diffusion/src/test/fixtures/txt2img/README.md}.
 *
 * <p><b>Weights:</b> the checkpoint as synthesized ({@link ClipFixtures#checkpoint()}): UNet, CLIP and VAE.
 *
 * <p>Every case: prompt {@value #PROMPT}, negative prompt {@value #NEGATIVE_PROMPT}, 64x64 (8x8 latents), 4 steps,
 * CFG scale 7, clip skip 1, scheduler "Automatic", every other webui option at its default.
 */
public final class Txt2ImgFixtures {
    public static final String PROMPT = "a red fox in the snow, (watercolor:1.2)";
    public static final String NEGATIVE_PROMPT = "blurry";
    public static final String CASES_JSON = "cases.json";
    /** sha256 of the fp32 tiny checkpoint the fixtures were made from. */
    public static final String CHECKPOINT_SHA256 = ClipFixtures.CHECKPOINT_SHA256_FP32;


    private Txt2ImgFixtures() {
    }

    /**
     * One txt2img run.
     *
     * @param name          file stem, e.g. "euler-a"
     * @param sampler       the A1111 sampler label ("Euler", "Euler a", "DPM++ 2M", "DDIM", "Heun")
     * @param scheduler     the scheduler the job asked for ("Automatic" everywhere)
     * @param steps         sampling steps (4)
     * @param cfgScale      7
     * @param width         64
     * @param height        64
     * @param seeds         one per image ([42] or [42, 43])
     * @param randnSource   A1111 {@code randn_source}: "NV" (Philox, what a CUDA GPU gives) or "CPU"
     * @param clipSkip      1
     * @param samplerKwargs the keyword arguments the sampler function received besides sigmas/timesteps (eta,
     *                      s_churn, s_tmin, s_tmax ("inf" as a string), s_noise)
     * @param unetBatches   the batch size of every UNet evaluation in order (cond and uncond run together)
     * @param infotexts     what A1111 writes into each image's "parameters" text chunk
     * @param noise         [n,4,8,8] the first {@code ImageRNG.next()}: the initial latent noise (unit variance,
     *                      before the sampler scales it by sigmas[0])
     * @param sigmas        [steps+1] k-diffusion samplers: the sigmas, ending in 0; null for DDIM
     * @param timesteps     [steps] DDIM: A1111's timesteps (1, 251, 501, 751); null for the k-diffusion samplers
     * @param cond          [n,77,64] the cond tensor CFGDenoiser received at step 0
     * @param uncond        [n,77,64] the uncond tensor
     * @param latent        [n,4,8,8] the sampler's output, before the VAE
     * @param decoded       [n,3,64,64] {@code decode_first_stage(latent)}, not clamped
     * @param image         [n,64,64,3] uint8 HWC: {@code (255. * clamp((decoded + 1) / 2, 0, 1)).astype(uint8)}
     */
    public record Case(String name, String sampler, String scheduler, int steps, double cfgScale, int width,
                       int height, List<Long> seeds, String randnSource, int clipSkip,
                       Map<String, Object> samplerKwargs, List<Long> unetBatches, List<String> infotexts,
                       Tensor noise, Tensor sigmas, long[] timesteps, Tensor cond, Tensor uncond, Tensor latent,
                       Tensor decoded, byte[] image) {
        public int batch() {
            return seeds.size();
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** cases.json as parsed. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> index() {
        try {
            return (Map<String, Object>) StrictJson.parse(Files.readAllBytes(resource(CASES_JSON)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every case in cases.json order. */
    @SuppressWarnings("unchecked")
    public static List<Case> cases() {
        Map<String, Object> json = index();
        Map<String, Object> ckpt = (Map<String, Object>) json.get("checkpoint");
        if (!CHECKPOINT_SHA256.equals(ckpt.get("sha256"))) {
            throw new IllegalStateException("cases.json was made from checkpoint " + ckpt.get("sha256"));
        }
        List<Case> out = new ArrayList<>();
        for (Object o : (List<Object>) json.get("cases")) {
            out.add(load((Map<String, Object>) o));
        }
        return List.copyOf(out);
    }

    /** The case with this name. */
    public static Case get(String name) {
        return cases().stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no txt2img case " + name));
    }

    @SuppressWarnings("unchecked")
    private static Case load(Map<String, Object> e) {
        String file = (String) e.get("file");
        try (Checkpoint cp = Checkpoint.open(resource(file))) {
            String recorded = cp.metadata().get("checkpoint_sha256");
            if (!CHECKPOINT_SHA256.equals(recorded)) {
                throw new IllegalStateException(file + " was made from checkpoint " + recorded);
            }
            List<Long> seeds = ((List<Object>) e.get("seeds")).stream().map(x -> ((Number) x).longValue()).toList();
            List<Long> batches = ((List<Object>) e.get("unet_batches")).stream()
                    .map(x -> ((Number) x).longValue()).toList();
            List<String> infotexts = ((List<Object>) e.get("infotexts")).stream().map(x -> (String) x).toList();
            Tensor sigmas = cp.tensor("sigmas").isPresent() ? tensor(cp, "sigmas") : null;
            long[] timesteps = cp.tensor("timesteps").isPresent() ? longs(cp, "timesteps") : null;
            return new Case((String) e.get("name"), (String) e.get("sampler"), (String) e.get("scheduler"),
                    ((Number) e.get("steps")).intValue(), ((Number) e.get("cfg_scale")).doubleValue(),
                    ((Number) e.get("width")).intValue(), ((Number) e.get("height")).intValue(), seeds,
                    (String) e.get("randn_source"), ((Number) e.get("clip_skip")).intValue(),
                    new LinkedHashMap<>((Map<String, Object>) e.get("sampler_kwargs")), batches, infotexts,
                    tensor(cp, "noise"), sigmas, timesteps, tensor(cp, "cond"), tensor(cp, "uncond"),
                    tensor(cp, "latent"), tensor(cp, "decoded"), bytes(cp, "image"));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static StoredTensor stored(Checkpoint cp, String name) {
        return cp.tensor(name).orElseThrow(
                () -> new IllegalArgumentException(cp.path().getFileName() + " has no tensor " + name));
    }

    private static Tensor tensor(Checkpoint cp, String name) throws IOException {
        long[] shape = stored(cp, name).shape();
        return new Tensor(shape.clone(), ClipFixtures.floats(cp, name, shape));
    }

    private static long[] longs(Checkpoint cp, String name) throws IOException {
        StoredTensor t = stored(cp, name);
        if (t.dtype() != DType.I64 || t.rank() != 1) {
            throw new IllegalStateException(name + " is " + t.dtype().displayName() + " " + t.shapeString());
        }
        ByteBuffer b = ByteBuffer.wrap(cp.readAll(t)).order(ByteOrder.LITTLE_ENDIAN);
        long[] v = new long[(int) t.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = b.getLong();
        }
        return v;
    }

    private static byte[] bytes(Checkpoint cp, String name) throws IOException {
        StoredTensor t = stored(cp, name);
        if (t.dtype() != DType.U8) {
            throw new IllegalStateException(name + " is " + t.dtype().displayName());
        }
        return cp.readAll(t);
    }

    /** A fixture file from the test resources beside this class, as a file path. */
    public static Path resource(String name) {
        return TestResources.path(Txt2ImgFixtures.class, name);
    }
}

package dev.sdfarm.diffusion.pipeline;

import dev.sdfarm.checkpoint.SdfarmVersion;
import dev.sdfarm.diffusion.clip.Conditioning;
import dev.sdfarm.diffusion.clip.PromptConditioning;
import dev.sdfarm.diffusion.image.GenerationParameters;
import dev.sdfarm.diffusion.image.Infotext;
import dev.sdfarm.diffusion.image.Raster;
import dev.sdfarm.diffusion.rng.LatentNoise;
import dev.sdfarm.diffusion.rng.LatentShape;
import dev.sdfarm.diffusion.rng.NoiseSource;
import dev.sdfarm.diffusion.rng.SeedPlan;
import dev.sdfarm.diffusion.sample.DiscreteSchedule;
import dev.sdfarm.diffusion.sample.SamplerNoise;
import dev.sdfarm.diffusion.sample.Scheduler;
import dev.sdfarm.diffusion.tensor.Backend;
import dev.sdfarm.diffusion.tensor.Shape;
import dev.sdfarm.diffusion.tensor.Tensor;
import dev.sdfarm.diffusion.vae.VaeEncoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Text to image as AUTOMATIC1111's txt2img does it for SD1.x: conditioning for the prompt (its composable parts)
 * and the negative prompt; the batch's initial noise from its seeds; the sampler over the schedule with
 * classifier-free guidance ({@code CFGDenoiser}: the UNet sees every cond part and the uncond of every image in
 * one batch when their lengths match, two batches otherwise; {@code denoised = uncond + Σ w·(cond − uncond)·cfg});
 * then the VAE decoder and A1111's 8-bit conversion, with an infotext per image.
 *
 * <p>Inpainting models (9 UNet input channels) get A1111's {@code txt2img_image_conditioning} concatenated to
 * the latent on the channel axis in every UNet call ({@link #imageConditioning}).
 */
public final class Txt2Img {
    /** Channels of an SD1.x latent. */
    public static final int LATENT_CHANNELS = 4;
    /** Channels of an inpainting model's conditioning image: the mask, then the masked image's latent. */
    public static final int INPAINTING_CONDITIONING_CHANNELS = 5;

    /** What a render reports while it runs. */
    @FunctionalInterface
    public interface Progress {
        /** After every model evaluation: which one, out of how many the sampler will make. */
        void step(int done, int total);

        /** After each phase ("conditioning", "sampling", "decoding") with its wall time. */
        default void phase(String name, double seconds) {
        }
    }

    private static final Progress SILENT = (done, total) -> { };

    private Txt2Img() {
    }

    public static List<RenderedImage> render(StableDiffusion model, Txt2ImgRequest r, Progress listener) {
        return render(model, List.of(r), listener).getFirst();
    }

    /**
     * Several requests in one sampling run: the UNet sees the rows of all of them in one batch per token count,
     * so a model evaluation serves every request. The requests must sample alike ({@link
     * Txt2ImgRequest#samplesWith}); prompts, seeds, CFG scales, batch sizes and CLIP skip may differ. Each request
     * keeps its own noise generators, conditioning and guidance, so its images are those of its own render.
     *
     * @return each request's images, in request order
     */
    public static List<List<RenderedImage>> render(StableDiffusion model, List<Txt2ImgRequest> requests,
                                                   Progress listener) {
        if (requests.isEmpty()) {
            throw new IllegalArgumentException("no requests to render");
        }
        Txt2ImgRequest r = requests.getFirst();
        for (Txt2ImgRequest other : requests) {
            if (!r.samplesWith(other)) {
                throw new IllegalArgumentException("requests in one batch must share steps, sampler, scheduler, size,"
                        + " noise source and sampler parameters");
            }
        }
        Progress progress = listener == null ? SILENT : listener;
        Backend backend = model.backend();
        long t0 = System.nanoTime();
        List<PromptConditioning> conds = new ArrayList<>();
        for (Txt2ImgRequest q : requests) {
            conds.add(model.conditioner().condition(q.prompt(), q.negativePrompt(), q.clipSkip(), false));
        }
        long t1 = System.nanoTime();
        progress.phase("conditioning", (t1 - t0) / 1e9);
        LatentShape shape = LatentShape.forImage(r.width(), r.height());
        List<LatentNoise> noises = new ArrayList<>();
        for (Txt2ImgRequest q : requests) {
            noises.add(new LatentNoise(q.noiseSource(), shape,
                    SeedPlan.forImages(q.seed(), q.seed(), 0.0, q.batchSize())));
        }
        SamplerNoise samplerNoise = SamplerNoise.of(noises);
        float[] initial = samplerNoise.next(0f, 0f); // every batch's first draw is its initial noise
        float[] imageCond = model.inpainting() ? imageConditioning(model, r.width(), r.height()) : null;
        Guidance guidance = new Guidance(model, requests, conds, shape, imageCond);
        int[] timesteps = r.sampler().usesTimesteps() ? r.sampler().timesteps(r.steps(), model.schedule(), false) : null;
        int total = timesteps != null ? r.sampler().timestepEvaluations(timesteps) : evaluations(r);
        int[] done = {0};
        float[] latents;
        if (timesteps != null) {
            latents = r.sampler().sampleTimesteps((x, t) -> report(progress, done, total, guidance.eps(x, t)), initial,
                    timesteps, model.schedule(), r.samplerParams(), samplerNoise);
        } else {
            float[] sigmas = r.sampler().sigmas(r.scheduler(), r.steps(), model.schedule(), false);
            latents = r.sampler().txt2img((x, sigma) -> report(progress, done, total, guidance.denoised(x, sigma)),
                    initial, sigmas, r.samplerParams(), samplerNoise);
        }
        long t2 = System.nanoTime();
        progress.phase("sampling", (t2 - t1) / 1e9);
        // One image at a time, as A1111's decode_latent_batch does: the decoder's full-resolution activations
        // dominate memory.
        List<List<RenderedImage>> out = new ArrayList<>();
        int latentSize = shape.elementCount();
        int at = 0;
        for (Txt2ImgRequest q : requests) {
            List<RenderedImage> images = new ArrayList<>();
            for (int i = 0; i < q.batchSize(); i++, at++) {
                float[] latent = Arrays.copyOfRange(latents, at * latentSize, (at + 1) * latentSize);
                float[] image = backend.toFloats(model.vae().decode(backend.upload(latent,
                        Shape.of(1, shape.channels(), shape.height(), shape.width()))));
                images.add(new RenderedImage(latent, image, Raster.fromSignedUnit(image, q.height(), q.width()),
                        q.seed() + i, infotext(model, q, q.seed() + i)));
            }
            out.add(images);
        }
        progress.phase("decoding", (System.nanoTime() - t2) / 1e9);
        return out;
    }

    /**
     * A1111's {@code txt2img_image_conditioning} for an inpainting model, {@code [1, 5, height / 8, width / 8]}
     * flattened: the "masked image" of txt2img is all 0.5 (everything is masked), turned into latents by
     * {@code images_tensor_to_samples} ({@code x * 2 - 1}, so an all-zero image, VAE-encoded, times 0.18215), with a
     * channel of 1.0 (the mask) padded in front. The same for every image of the batch and for cond and uncond
     * alike ({@code CFGDenoiser}: {@code image_uncond = image_cond}).
     *
     * <p>A1111 encodes with {@code posterior.sample()}, drawing from torch's global RNG, which it does not seed
     * reproducibly, so no seed reproduces its conditioning exactly; the engine uses the posterior's mean (the
     * deterministic mode, {@link VaeEncoder#latents}); A1111's draw differs from it by 0.18215 times the
     * posterior std times unit noise.
     */
    public static float[] imageConditioning(StableDiffusion model, int width, int height) {
        Backend backend = model.backend();
        VaeEncoder encoder = model.vaeEncoder();
        Tensor image = backend.upload(new float[3 * width * height], Shape.of(1, 3, height, width)); // 0.5 * 2 - 1
        float[] latent = backend.toFloats(encoder.latents(image));
        int plane = latent.length / LATENT_CHANNELS;
        float[] out = new float[plane + latent.length];
        Arrays.fill(out, 0, plane, 1f);
        System.arraycopy(latent, 0, out, plane, latent.length);
        return out;
    }

    /** A1111's "parameters" text for one image. */
    public static String infotext(StableDiffusion model, Txt2ImgRequest r, long seed) {
        GenerationParameters.Builder p = GenerationParameters.builder()
                .prompt(r.prompt())
                .negativePrompt(r.negativePrompt())
                .steps(r.steps())
                .sampler(r.sampler().label())
                .scheduleType(scheduleLabel(r))
                .cfgScale(r.cfgScale())
                .seed(seed)
                .size(r.width(), r.height())
                .modelHash(model.shortHash())
                .modelName(model.name())
                .clipSkip(r.clipSkip())
                .version("sdfarm " + SdfarmVersion.VERSION);
        if (r.noiseSource() != NoiseSource.GPU) {
            p.rng(r.noiseSource().settingValue());
        }
        return Infotext.format(p.build());
    }

    /** What A1111 writes as "Schedule type": the scheduler asked for, or the one "Automatic" chose when it is not. */
    private static String scheduleLabel(Txt2ImgRequest r) {
        if (r.scheduler() == Scheduler.AUTOMATIC && r.sampler().defaultScheduler() != null) {
            return r.sampler().defaultScheduler().label();
        }
        return r.scheduler().label();
    }

    private static int evaluations(Txt2ImgRequest r) {
        return switch (r.sampler()) {
            case HEUN, DPM2, DPM2_A, DPMPP_2S_A, DPMPP_SDE, DPMPP_2M_SDE_HEUN -> 2 * r.steps() - 1;
            default -> r.steps();
        };
    }

    private static float[] report(Progress progress, int[] done, int total, float[] result) {
        progress.step(++done[0], Math.max(total, done[0]));
        return result;
    }

    /**
     * A1111's {@code CFGDenoiser} around the UNet, for sigmas (k-diffusion) and for timesteps (DDIM, PLMS, UniPC),
     * over the images of one or more requests. Each image has a UNet row per cond part and one for its uncond;
     * the rows are ordered as A1111 batches one request (every part for every image, then every uncond; requests
     * one after another within each), and the rows sharing a token count go through the UNet in one call (one
     * call when cond and uncond lengths match, as in A1111, two when they do not).
     */
    private static final class Guidance {
        /** UNet rows that share a token count: the image each row takes its latent from, and their text. */
        private record Call(int[] images, int[] rows, Tensor context) {
        }

        private final StableDiffusion model;
        private final Backend backend;
        private final LatentShape shape;
        private final int latentSize;
        private final float[] imageCond;
        private final int rowCount;
        private final List<Call> calls = new ArrayList<>();
        /** Per image: its part rows, their guidance scales ({@code weight·cfg} in float32), its uncond row. */
        private final int[][] partRows;
        private final float[][] scales;
        private final int[] uncondRows;

        /** @param imageCond an inpainting model's conditioning image {@code [5, h, w]}, or null */
        Guidance(StableDiffusion model, List<Txt2ImgRequest> requests, List<PromptConditioning> conds,
                 LatentShape shape, float[] imageCond) {
            this.model = model;
            this.backend = model.backend();
            this.shape = shape;
            this.latentSize = shape.elementCount();
            this.imageCond = imageCond;
            int images = requests.stream().mapToInt(Txt2ImgRequest::batchSize).sum();
            partRows = new int[images][];
            scales = new float[images][];
            uncondRows = new int[images];
            List<Integer> rowImages = new ArrayList<>();
            List<Conditioning> rowTexts = new ArrayList<>();
            int first = 0;
            for (int q = 0; q < requests.size(); q++) {
                List<Conditioning> parts = conds.get(q).parts();
                int n = requests.get(q).batchSize();
                for (int i = first; i < first + n; i++) {
                    partRows[i] = new int[parts.size()];
                    scales[i] = new float[parts.size()];
                }
                for (int j = 0; j < parts.size(); j++) {
                    for (int i = first; i < first + n; i++) {
                        partRows[i][j] = rowImages.size();
                        scales[i][j] = (float) (parts.get(j).weight() * requests.get(q).cfgScale());
                        rowImages.add(i);
                        rowTexts.add(parts.get(j));
                    }
                }
                first += n;
            }
            first = 0;
            for (int q = 0; q < requests.size(); q++) {
                for (int i = first; i < first + requests.get(q).batchSize(); i++) {
                    uncondRows[i] = rowImages.size();
                    rowImages.add(i);
                    rowTexts.add(conds.get(q).negative());
                }
                first += requests.get(q).batchSize();
            }
            rowCount = rowImages.size();
            Map<Integer, List<Integer>> byTokens = new LinkedHashMap<>();
            for (int row = 0; row < rowCount; row++) {
                byTokens.computeIfAbsent(rowTexts.get(row).tokens(), k -> new ArrayList<>()).add(row);
            }
            for (List<Integer> rows : byTokens.values()) {
                int[] rowIds = rows.stream().mapToInt(Integer::intValue).toArray();
                int[] imageIds = rows.stream().mapToInt(rowImages::get).toArray();
                calls.add(new Call(imageIds, rowIds, context(rows.stream().map(rowTexts::get).toList())));
            }
        }

        /** k-diffusion's {@code CompVisDenoiser}: {@code x + eps(x·c_in, t(σ))·(−σ)}, with guidance. */
        float[] denoised(float[] x, float sigma) {
            float cIn = 1f / (float) Math.sqrt(sigma * sigma + 1f);
            float t = model.schedule().sigmaToT(sigma);
            float[] scaled = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                scaled[i] = x[i] * cIn;
            }
            float[][] out = evaluate(scaled, t);
            for (Call call : calls) {
                for (int r = 0; r < call.rows().length; r++) {
                    float[] o = out[call.rows()[r]];
                    int base = call.images()[r] * latentSize;
                    for (int i = 0; i < o.length; i++) {
                        o[i] = x[base + i] + o[i] * -sigma;
                    }
                }
            }
            return combine(out);
        }

        /** The guided noise prediction at a timestep ({@code CFGDenoiserTimesteps}). */
        float[] eps(float[] x, float t) {
            return combine(evaluate(x, t));
        }

        /** The model's output for every row. */
        private float[][] evaluate(float[] x, float t) {
            float[][] out = new float[rowCount][];
            for (Call call : calls) {
                int rows = call.rows().length;
                float[] in = new float[rows * latentSize];
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(x, call.images()[r] * latentSize, in, r * latentSize, latentSize);
                }
                float[] eps = unet(in, t, rows, call.context());
                for (int r = 0; r < rows; r++) {
                    out[call.rows()[r]] = Arrays.copyOfRange(eps, r * latentSize, (r + 1) * latentSize);
                }
            }
            return out;
        }

        private float[] unet(float[] x, float t, int rows, Tensor context) {
            double[] timesteps = new double[rows];
            Arrays.fill(timesteps, t);
            int channels = shape.channels();
            float[] input = x;
            if (imageCond != null) {
                // DiffusionWrapper 'hybrid': cat([x] + c_concat, dim=1), the same conditioning image on every row
                input = new float[rows * (latentSize + imageCond.length)];
                for (int i = 0; i < rows; i++) {
                    int at = i * (latentSize + imageCond.length);
                    System.arraycopy(x, i * latentSize, input, at, latentSize);
                    System.arraycopy(imageCond, 0, input, at + latentSize, imageCond.length);
                }
                channels += INPAINTING_CONDITIONING_CHANNELS;
            }
            Tensor in = backend.upload(input, Shape.of(rows, channels, shape.height(), shape.width()));
            return backend.toFloats(model.unet().predictNoise(in, timesteps, context));
        }

        /** Per image {@code denoised = uncond + Σ_parts (part − uncond)·(weight·cfg)}, in float32 as A1111. */
        private float[] combine(float[][] out) {
            float[] result = new float[uncondRows.length * latentSize];
            for (int image = 0; image < uncondRows.length; image++) {
                float[] u = out[uncondRows[image]];
                int base = image * latentSize;
                System.arraycopy(u, 0, result, base, latentSize);
                for (int j = 0; j < partRows[image].length; j++) {
                    float scale = scales[image][j];
                    float[] c = out[partRows[image][j]];
                    for (int i = 0; i < latentSize; i++) {
                        result[base + i] += (c[i] - u[i]) * scale;
                    }
                }
            }
            return result;
        }

        /** The text conditioning of the given rows as one {@code [rows, tokens, hidden]} tensor. */
        private Tensor context(List<Conditioning> rows) {
            int tokens = rows.getFirst().tokens();
            int hidden = rows.getFirst().hidden();
            float[] values = new float[rows.size() * tokens * hidden];
            for (int i = 0; i < rows.size(); i++) {
                System.arraycopy(rows.get(i).values(), 0, values, i * tokens * hidden, tokens * hidden);
            }
            return backend.upload(values, Shape.of(rows.size(), tokens, hidden));
        }
    }
}

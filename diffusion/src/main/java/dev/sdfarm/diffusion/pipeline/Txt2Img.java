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
import java.util.List;

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
        Progress progress = listener == null ? SILENT : listener;
        Backend backend = model.backend();
        long t0 = System.nanoTime();
        PromptConditioning conds = model.conditioner().condition(r.prompt(), r.negativePrompt(), r.clipSkip(), false);
        long t1 = System.nanoTime();
        progress.phase("conditioning", (t1 - t0) / 1e9);
        LatentShape shape = LatentShape.forImage(r.width(), r.height());
        int n = r.batchSize();
        LatentNoise noise = new LatentNoise(r.noiseSource(), shape, SeedPlan.forImages(r.seed(), r.seed(), 0.0, n));
        float[] initial = flatten(noise.next());
        float[] imageCond = model.inpainting() ? imageConditioning(model, r.width(), r.height()) : null;
        Guidance guidance = new Guidance(model, conds, n, shape, r.cfgScale(), imageCond);
        int[] timesteps = r.sampler().usesTimesteps() ? r.sampler().timesteps(r.steps(), model.schedule(), false) : null;
        int total = timesteps != null ? r.sampler().timestepEvaluations(timesteps) : evaluations(r);
        int[] done = {0};
        SamplerNoise samplerNoise = SamplerNoise.of(noise);
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
        List<RenderedImage> images = new ArrayList<>();
        int latentSize = shape.channels() * shape.height() * shape.width();
        for (int i = 0; i < n; i++) {
            float[] latent = Arrays.copyOfRange(latents, i * latentSize, (i + 1) * latentSize);
            float[] image = backend.toFloats(model.vae().decode(backend.upload(latent,
                    Shape.of(1, shape.channels(), shape.height(), shape.width()))));
            images.add(new RenderedImage(latent, image, Raster.fromSignedUnit(image, r.height(), r.width()),
                    r.seed() + i, infotext(model, r, r.seed() + i)));
        }
        progress.phase("decoding", (System.nanoTime() - t2) / 1e9);
        return images;
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

    private static float[] flatten(float[][] images) {
        int size = images[0].length;
        float[] out = new float[images.length * size];
        for (int i = 0; i < images.length; i++) {
            System.arraycopy(images[i], 0, out, i * size, size);
        }
        return out;
    }

    /** A1111's {@code CFGDenoiser} around the UNet, for sigmas (k-diffusion) and for timesteps (DDIM, PLMS, UniPC). */
    private static final class Guidance {
        private final StableDiffusion model;
        private final Backend backend;
        private final List<Conditioning> parts;
        private final Conditioning uncond;
        private final int images;
        private final LatentShape shape;
        private final float cfg;
        private final Tensor batchedContext;
        private final float[] imageCond;

        /** @param imageCond an inpainting model's conditioning image {@code [5, h, w]}, or null */
        Guidance(StableDiffusion model, PromptConditioning conds, int images, LatentShape shape, double cfg,
                 float[] imageCond) {
            this.imageCond = imageCond;
            this.model = model;
            this.backend = model.backend();
            this.parts = conds.parts();
            this.uncond = conds.negative();
            this.images = images;
            this.shape = shape;
            this.cfg = (float) cfg;
            boolean sameLength = parts.getFirst().tokens() == uncond.tokens();
            this.batchedContext = sameLength ? context(true, true) : null;
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
            for (float[] o : out) {
                for (int i = 0; i < o.length; i++) {
                    o[i] = x[i % x.length] + o[i] * -sigma;
                }
            }
            return combine(out);
        }

        /** The guided noise prediction at a timestep ({@code CFGDenoiserTimesteps}). */
        float[] eps(float[] x, float t) {
            return combine(evaluate(x, t));
        }

        /** Model outputs: one array per cond part (all images), then the uncond (all images). */
        private float[][] evaluate(float[] x, float t) {
            int k = parts.size();
            int rowsPerCopy = images;
            float[][] out = new float[k + 1][];
            if (batchedContext != null) {
                float[] xIn = repeat(x, k + 1);
                float[] eps = unet(xIn, t, (k + 1) * rowsPerCopy, batchedContext);
                for (int j = 0; j <= k; j++) {
                    out[j] = Arrays.copyOfRange(eps, j * x.length, (j + 1) * x.length);
                }
            } else {
                float[] eps = unet(repeat(x, k), t, k * rowsPerCopy, context(true, false));
                for (int j = 0; j < k; j++) {
                    out[j] = Arrays.copyOfRange(eps, j * x.length, (j + 1) * x.length);
                }
                out[k] = unet(x, t, rowsPerCopy, context(false, true));
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
                int latent = channels * shape.height() * shape.width();
                input = new float[rows * (latent + imageCond.length)];
                for (int i = 0; i < rows; i++) {
                    int at = i * (latent + imageCond.length);
                    System.arraycopy(x, i * latent, input, at, latent);
                    System.arraycopy(imageCond, 0, input, at + latent, imageCond.length);
                }
                channels += INPAINTING_CONDITIONING_CHANNELS;
            }
            Tensor in = backend.upload(input, Shape.of(rows, channels, shape.height(), shape.width()));
            return backend.toFloats(model.unet().predictNoise(in, timesteps, context));
        }

        /** {@code denoised = uncond + Σ_parts (part − uncond)·(weight·cfg)}, in float32 as A1111. */
        private float[] combine(float[][] out) {
            float[] u = out[out.length - 1];
            float[] result = u.clone();
            for (int j = 0; j < parts.size(); j++) {
                float scale = (float) (parts.get(j).weight() * cfg);
                float[] c = out[j];
                for (int i = 0; i < result.length; i++) {
                    result[i] += (c[i] - u[i]) * scale;
                }
            }
            return result;
        }

        /** The text conditioning for the batch: every part for every image, then the uncond of every image. */
        private Tensor context(boolean withParts, boolean withUncond) {
            List<Conditioning> rows = new ArrayList<>();
            if (withParts) {
                for (Conditioning part : parts) {
                    for (int i = 0; i < images; i++) {
                        rows.add(part);
                    }
                }
            }
            if (withUncond) {
                for (int i = 0; i < images; i++) {
                    rows.add(uncond);
                }
            }
            int tokens = rows.getFirst().tokens();
            int hidden = rows.getFirst().hidden();
            float[] values = new float[rows.size() * tokens * hidden];
            for (int i = 0; i < rows.size(); i++) {
                System.arraycopy(rows.get(i).values(), 0, values, i * tokens * hidden, tokens * hidden);
            }
            return backend.upload(values, Shape.of(rows.size(), tokens, hidden));
        }

        private static float[] repeat(float[] x, int copies) {
            float[] out = new float[x.length * copies];
            for (int j = 0; j < copies; j++) {
                System.arraycopy(x, 0, out, j * x.length, x.length);
            }
            return out;
        }
    }
}

package dev.sdfarm.worker;

import dev.sdfarm.core.message.GenerationParams;
import dev.sdfarm.core.message.GenerationRequest;
import dev.sdfarm.core.message.OutputImage;
import dev.sdfarm.core.store.ObjectInfo;
import dev.sdfarm.core.store.ObjectStore;
import dev.sdfarm.checkpoint.io.FileHashing;
import dev.sdfarm.diffusion.image.PngText;
import dev.sdfarm.diffusion.image.PngWriter;
import dev.sdfarm.diffusion.pipeline.RenderedImage;
import dev.sdfarm.diffusion.pipeline.StableDiffusion;
import dev.sdfarm.diffusion.pipeline.Txt2Img;
import dev.sdfarm.diffusion.pipeline.Txt2ImgRequest;
import dev.sdfarm.diffusion.rng.NoiseSource;
import dev.sdfarm.diffusion.sample.Sampler;
import dev.sdfarm.diffusion.sample.SamplerParams;
import dev.sdfarm.diffusion.sample.Scheduler;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Renders one generation request as webui does its batch count: {@code n_iter} renders of {@code batch_size}
 * images, seeds {@code seed + i}. Each PNG goes to {@code outputPrefix + index + ".png"}, so a re-render after a
 * crash writes the same keys. Progress is reported in sampling steps over the whole request.
 */
final class Renderer {
    /** Hears about progress; may be asked whether to stop. */
    interface Listener {
        void step(int done, int total);
    }

    private final ObjectStore store;

    Renderer(ObjectStore store) {
        this.store = store;
    }

    /** A request's parameters in the engine's terms; IllegalArgumentException for names it does not know. */
    static Txt2ImgRequest engineRequest(GenerationParams p) {
        SamplerParams sp = p.eta() == null ? SamplerParams.DEFAULTS
                : new SamplerParams(p.eta(), SamplerParams.DEFAULTS.sChurn(), SamplerParams.DEFAULTS.sTmin(),
                SamplerParams.DEFAULTS.sTmax(), SamplerParams.DEFAULTS.sNoise());
        return new Txt2ImgRequest(p.prompt(), p.negativePrompt(), p.seed(), p.steps(), Sampler.byName(p.samplerName()),
                Scheduler.byName(p.scheduler()), p.cfgScale(), p.width(), p.height(), p.batchSize(), p.clipSkip(),
                NoiseSource.fromSetting(p.rng()), sp);
    }

    List<OutputImage> render(StableDiffusion model, GenerationRequest job, Listener listener,
                             BooleanSupplier cancelled) throws IOException {
        GenerationParams p = job.params();
        Txt2ImgRequest base = engineRequest(p);
        int steps = p.steps();
        int total = p.totalSteps();
        List<OutputImage> outputs = new ArrayList<>();
        for (int it = 0; it < p.nIter(); it++) {
            int before = it * steps;
            int[] lastStep = {-1};
            List<RenderedImage> images = Txt2Img.render(model, base.withSeed(base.seed() + (long) it * p.batchSize()),
                    (done, evaluations) -> {
                        int step = before + (int) ((long) done * steps / evaluations);
                        if (cancelled.getAsBoolean()) {
                            throw new JobCancelledException(step);
                        }
                        if (step != lastStep[0]) {
                            lastStep[0] = step;
                            listener.step(step, total);
                        }
                    });
            for (RenderedImage image : images) {
                int index = outputs.size();
                byte[] png = PngWriter.defaults().encode(image.pixels(),
                        List.of(PngText.of("parameters", image.infotext())));
                String key = job.outputPrefix() + index + ".png";
                ObjectInfo info = store.put(key, png);
                outputs.add(new OutputImage(index, key, image.seed(), image.infotext(), p.width(), p.height(),
                        info.size(), FileHashing.sha256Hex(png)));
            }
        }
        return outputs;
    }
}

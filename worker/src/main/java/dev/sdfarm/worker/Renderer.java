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

/**
 * Renders a batch of generation requests, each as webui does its batch count: {@code n_iter} renders of
 * {@code batch_size} images, seeds {@code seed + i}. Iteration {@code i} of every request still running goes
 * through one sampling run ({@link Txt2Img#render(StableDiffusion, List, Txt2Img.Progress)}), so the requests
 * must sample alike ({@link #batchable}). Each PNG goes to {@code outputPrefix + index + ".png"}, so a re-render
 * after a crash writes the same keys. Progress is reported in sampling steps over the whole request.
 */
final class Renderer {
    /** Hears about each request of the batch, by its index, and is asked whether to stop one. */
    interface Listener {
        /** Once per sampling step of the batch, before the jobs' {@link #step}s. */
        void stepped();

        void step(int job, int done, int total);

        /** Asked between model evaluations; may throw to stop the whole batch. */
        boolean cancelRequested(int job);

        /** The job stopped at this step; its images so far are dropped. */
        void cancelled(int job, int step);

        /** All of the job's images are stored. */
        void succeeded(int job, List<OutputImage> outputs);
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

    /** Whether two requests can share sampling runs: the same model and the engine's {@code samplesWith}. */
    static boolean batchable(GenerationRequest a, GenerationRequest b) {
        try {
            return a.model().sha256().equals(b.model().sha256())
                    && engineRequest(a.params()).samplesWith(engineRequest(b.params()));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Renders the jobs until each has succeeded or been cancelled; a {@link JobCancelledException} when the last
     * one still running is cancelled. Any other exception leaves the jobs not yet reported to the caller.
     */
    void render(StableDiffusion model, List<GenerationRequest> jobs, Listener listener) throws IOException {
        List<Txt2ImgRequest> base = jobs.stream().map(j -> engineRequest(j.params())).toList();
        List<List<OutputImage>> outputs = new ArrayList<>();
        jobs.forEach(j -> outputs.add(new ArrayList<>()));
        boolean[] cancelled = new boolean[jobs.size()];
        int iterations = jobs.stream().mapToInt(j -> j.params().nIter()).max().orElse(0);
        for (int it = 0; it < iterations; it++) {
            List<Integer> live = new ArrayList<>();
            List<Txt2ImgRequest> requests = new ArrayList<>();
            for (int i = 0; i < jobs.size(); i++) {
                GenerationParams p = jobs.get(i).params();
                if (!cancelled[i] && it < p.nIter()) {
                    live.add(i);
                    requests.add(base.get(i).withSeed(p.seed() + (long) it * p.batchSize()));
                }
            }
            if (live.isEmpty()) {
                break;
            }
            int steps = base.getFirst().steps();
            int before = it * steps;
            int[] lastStep = {-1};
            List<List<RenderedImage>> images = Txt2Img.render(model, requests, (done, evaluations) -> {
                int step = before + (int) ((long) done * steps / evaluations);
                boolean reported = step != lastStep[0];
                lastStep[0] = step;
                if (reported) {
                    listener.stepped();
                }
                boolean running = false;
                for (int i : live) {
                    if (!cancelled[i] && listener.cancelRequested(i)) {
                        cancelled[i] = true;
                        listener.cancelled(i, step);
                    }
                    if (!cancelled[i]) {
                        running = true;
                        if (reported) {
                            listener.step(i, step, jobs.get(i).params().totalSteps());
                        }
                    }
                }
                if (!running) {
                    throw new JobCancelledException();
                }
            });
            for (int k = 0; k < live.size(); k++) {
                int i = live.get(k);
                if (!cancelled[i]) {
                    store(jobs.get(i), images.get(k), outputs.get(i));
                    if (it == jobs.get(i).params().nIter() - 1) {
                        listener.succeeded(i, List.copyOf(outputs.get(i)));
                    }
                }
            }
        }
    }

    private void store(GenerationRequest job, List<RenderedImage> images, List<OutputImage> outputs)
            throws IOException {
        GenerationParams p = job.params();
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
}

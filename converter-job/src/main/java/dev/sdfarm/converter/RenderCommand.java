package dev.sdfarm.converter;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.io.AtomicOutputFile;
import dev.sdfarm.checkpoint.io.FileHashing;
import dev.sdfarm.converter.cli.ExitCodes;
import dev.sdfarm.converter.cli.Terminal;
import dev.sdfarm.converter.cli.UsageException;
import dev.sdfarm.diffusion.cpu.CpuBackend;
import dev.sdfarm.diffusion.image.PngText;
import dev.sdfarm.diffusion.image.PngWriter;
import dev.sdfarm.diffusion.pipeline.RenderedImage;
import dev.sdfarm.diffusion.pipeline.StableDiffusion;
import dev.sdfarm.diffusion.pipeline.Txt2Img;
import dev.sdfarm.diffusion.pipeline.Txt2ImgRequest;
import dev.sdfarm.diffusion.rng.FixedSeed;
import dev.sdfarm.diffusion.rng.NoiseSource;
import dev.sdfarm.diffusion.sample.Sampler;
import dev.sdfarm.diffusion.sample.SamplerParams;
import dev.sdfarm.diffusion.sample.Scheduler;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sdfarm render}. */
@Command(name = "render", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Render images from a prompt with an SD1.x checkpoint on the CPU, as AUTOMATIC1111's txt2img "
                + "does (same seed, sampler and settings, same image), and write PNGs with A1111's \"parameters\" "
                + "infotext. SD1.x inpainting checkpoints render too, with A1111's all-masked conditioning image.",
        footer = {"", "Examples:",
            "  sdfarm render --model sd15.safetensors --prompt 'a lighthouse at dusk' --seed 42 -o out.png",
            "  sdfarm render --model sd15.safetensors --prompt 'a cat' --negative blurry --sampler 'DPM++ 2M' \\",
            "      --scheduler karras --steps 25 --cfg 6.5 --batch 2 -o cat.png     # writes cat-1.png, cat-2.png",
            "", "Samplers: Euler, Euler a, Heun, DPM2, DPM2 a, DPM++ 2S a, DPM++ 2M, DPM++ SDE, DPM++ 2M SDE, "
                + "DPM++ 2M SDE Heun, DPM++ 3M SDE, LMS, DDIM, PLMS, UniPC (A1111's names and aliases such as k_euler_a).",
            "Schedulers: automatic, uniform, karras, exponential, polyexponential, sgm_uniform, kl_optimal, "
                + "align_your_steps, simple, normal, ddim, beta.",
            "Exit codes: 0 ok, 1 usage, 2 not an SD1.x checkpoint or a damaged one, 4 I/O error."})
public class RenderCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "SD1.x checkpoint (.safetensors or .ckpt).")
    Path model;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The prompt (A1111 syntax).")
    String prompt;

    @Option(names = {"--negative", "--negative-prompt"}, paramLabel = "TEXT", defaultValue = "",
            description = "The negative prompt.")
    String negative;

    @Option(names = "--seed", defaultValue = "-1", paramLabel = "N",
            description = "Seed; -1 picks one at random. Image i of a batch uses seed + i. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--steps", defaultValue = "20", paramLabel = "N", description = "Sampling steps. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--sampler", defaultValue = "Euler a", paramLabel = "NAME",
            description = "Sampler, by A1111 name. Default: ${DEFAULT-VALUE}.")
    String sampler;

    @Option(names = "--scheduler", defaultValue = "automatic", paramLabel = "NAME",
            description = "Schedule type. Default: ${DEFAULT-VALUE} (the sampler's own).")
    String scheduler;

    @Option(names = "--cfg", defaultValue = "7", paramLabel = "SCALE", description = "CFG scale. Default: ${DEFAULT-VALUE}.")
    double cfg;

    @Option(names = "--width", defaultValue = "512", paramLabel = "PX", description = "Width, a multiple of 8. Default: ${DEFAULT-VALUE}.")
    int width;

    @Option(names = "--height", defaultValue = "512", paramLabel = "PX", description = "Height, a multiple of 8. Default: ${DEFAULT-VALUE}.")
    int height;

    @Option(names = "--batch", defaultValue = "1", paramLabel = "N", description = "Images rendered together. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--n-iter", defaultValue = "1", paramLabel = "N",
            description = "Batches rendered one after another (A1111's batch count); seeds continue. Default: ${DEFAULT-VALUE}.")
    int nIter;

    @Option(names = "--clip-skip", defaultValue = "1", paramLabel = "N", description = "Clip skip. Default: ${DEFAULT-VALUE}.")
    int clipSkip;

    @Option(names = "--rng", defaultValue = "gpu", paramLabel = "gpu|cpu|nv",
            description = "Noise source as A1111's setting: gpu and nv are CUDA's Philox, cpu is torch's CPU generator. "
                    + "Default: ${DEFAULT-VALUE}.")
    String rng;

    @Option(names = "--threads", paramLabel = "N", description = "CPU threads. Default: all cores.")
    Integer threads;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.png",
            description = "The PNG to write; for several images, OUT-1.png ... OUT-N.png.")
    Path out;

    @Option(names = "--force", description = "Replace existing files.")
    boolean force;

    @Option(names = {"-q", "--quiet"}, description = "No progress and no summary.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        Txt2ImgRequest request = request();
        List<Path> targets = targets();
        String sha256;
        try (Checkpoint checkpoint = Checkpoint.open(model);
             CpuBackend cpu = threads == null ? new CpuBackend() : new CpuBackend(threads, CpuBackend.vectorApiPresent())) {
            sha256 = FileHashing.sha256Hex(checkpoint.channel(), 0, checkpoint.fileSize(), n -> { });
            StableDiffusion sd = StableDiffusion.load(cpu, checkpoint, modelName(), sha256);
            long needed = sd.vae().peakBytes(width, height) + (256L << 20);
            if (needed > Runtime.getRuntime().maxMemory()) {
                throw new UsageException(String.format(Locale.ROOT, "a %dx%d image needs about %.1f GB of heap to "
                        + "decode; run with SDFARM_HEAP=%dm (now %d MB)", width, height, needed / 1e9,
                        ((needed >> 20) / 256 + 2) * 256, Runtime.getRuntime().maxMemory() >> 20));
            }
            long t0 = System.nanoTime();
            boolean draw = !quiet && Terminal.stderrIsTerminal();
            Map<String, Double> phases = new LinkedHashMap<>();
            int[] evaluations = {0};
            List<RenderedImage> images = new ArrayList<>();
            Txt2Img.Progress progress = new Txt2Img.Progress() {
                private long last = System.nanoTime();

                @Override
                public void step(int done, int total) {
                    evaluations[0]++;
                    long now = System.nanoTime();
                    if (draw) {
                        System.err.printf(Locale.ROOT, "\rrender: step %d/%d, %.2f s/it ", done, total,
                                (now - last) / 1e9);
                    }
                    last = now;
                }

                @Override
                public void phase(String name, double seconds) {
                    phases.merge(name, seconds, Double::sum);
                }
            };
            for (int it = 0; it < nIter; it++) {
                images.addAll(Txt2Img.render(sd, request.withSeed(request.seed() + (long) it * batch), progress));
            }
            if (draw) {
                System.err.println();
            }
            for (int i = 0; i < images.size(); i++) {
                write(images.get(i), targets.get(i));
            }
            if (!quiet) {
                System.out.printf(Locale.ROOT, "wrote %s: %dx%d, %s, %d steps, seed %d, %.1f s on %d CPU threads%n",
                        targets.size() == 1 ? targets.getFirst() : targets.getFirst() + " ... " + targets.getLast(),
                        width, height, request.sampler().label(), steps, request.seed(),
                        (System.nanoTime() - t0) / 1e9, cpu.threads());
                double sampling = phases.getOrDefault("sampling", 0.0);
                System.out.printf(Locale.ROOT, "timings: conditioning %.2f s, sampling %.2f s (%d UNet evaluations, "
                        + "%.3f s each), decoding %.2f s%n", phases.getOrDefault("conditioning", 0.0), sampling,
                        evaluations[0], sampling / Math.max(1, evaluations[0]), phases.getOrDefault("decoding", 0.0));
            }
        }
        return ExitCodes.OK;
    }

    private Txt2ImgRequest request() {
        if (width % 8 != 0 || height % 8 != 0 || width < 64 || height < 64 || width > 2048 || height > 2048) {
            throw new UsageException("--width and --height must be multiples of 8 between 64 and 2048, got " + width
                    + "x" + height);
        }
        if (steps < 1 || steps > 500 || batch < 1 || batch > 64 || nIter < 1 || nIter > 1000 || clipSkip < 1) {
            throw new UsageException("--steps must be 1..500, --batch 1..64, --n-iter 1..1000, --clip-skip at least 1");
        }
        if (!out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
            throw new UsageException("-o: images are written as PNG; name the file *.png");
        }
        try {
            return new Txt2ImgRequest(prompt, negative, FixedSeed.of(seed, new SecureRandom()), steps,
                    Sampler.byName(sampler), Scheduler.byName(scheduler), cfg, width, height, batch, clipSkip,
                    NoiseSource.fromSetting(rng), SamplerParams.DEFAULTS);
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private List<Path> targets() {
        int count = batch * nIter;
        if (count == 1) {
            return List.of(out);
        }
        String name = out.getFileName().toString();
        String stem = name.substring(0, name.length() - 4);
        List<Path> paths = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            paths.add(out.resolveSibling(stem + "-" + i + ".png"));
        }
        return paths;
    }

    /** A1111's "Model" field: the checkpoint's file name without its extension. */
    private String modelName() {
        String name = model.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private void write(RenderedImage image, Path target) throws IOException {
        byte[] png = PngWriter.defaults().encode(image.pixels(),
                List.of(PngText.of("parameters", image.infotext())));
        try (AtomicOutputFile file = AtomicOutputFile.create(target, force, false)) {
            file.sink().write(ByteBuffer.wrap(png));
            file.commit();
        }
    }
}

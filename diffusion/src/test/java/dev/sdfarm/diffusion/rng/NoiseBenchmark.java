package dev.sdfarm.diffusion.rng;

import java.util.Locale;

/**
 * Single-threaded time per draw of each noise source for SD 1.5 (512x512, {@code [4, 64, 64]}) and SDXL (1024x1024,
 * {@code [4, 128, 128]}) latents, and of a whole first {@link LatentNoise} draw with variation slerp. Prints a
 * markdown table of the best time over the measured runs. Arguments: {@code [runs, default 300]}.
 */
public final class NoiseBenchmark {
    private static final int WARMUP_RUNS = 200;

    private NoiseBenchmark() {
    }

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        System.out.printf(Locale.ROOT, "best of %d runs after %d warm-up runs, 1 thread, %s%n%n", runs, WARMUP_RUNS,
                System.getProperty("java.vm.version"));
        System.out.println("| draw | [4, 64, 64] | [4, 128, 128] |");
        System.out.println("| --- | ---: | ---: |");
        LatentShape sd = new LatentShape(4, 64, 64);
        LatentShape sdxl = new LatentShape(4, 128, 128);
        row("torch CPU randn, AVX2 kernel", runs, sd, sdxl, (shape, seed) -> new TorchCpuNoise(seed).randn(out(shape)));
        row("torch CPU randn, glibc kernel", runs, sd, sdxl,
                (shape, seed) -> new TorchCpuNoise(seed, TorchCpuKernel.GLIBC).randn(out(shape)));
        row("Philox (NV/GPU) randn", runs, sd, sdxl, (shape, seed) -> new PhiloxNoise(seed).randn(out(shape)));
        row("LatentNoise CPU, variation 0.3", runs, sd, sdxl,
                (shape, seed) -> new LatentNoise(NoiseSource.CPU, shape, SeedPlan.forImages(seed, seed + 1, 0.3, 1)).next());
        row("LatentNoise NV, variation 0.3", runs, sd, sdxl,
                (shape, seed) -> new LatentNoise(NoiseSource.NV, shape, SeedPlan.forImages(seed, seed + 1, 0.3, 1)).next());
    }

    private interface Draw {
        void run(LatentShape shape, long seed);
    }

    private static float[] out(LatentShape shape) {
        return new float[shape.elementCount()];
    }

    private static void row(String name, int runs, LatentShape a, LatentShape b, Draw draw) {
        System.out.printf(Locale.ROOT, "| %s | %.3f ms | %.3f ms |%n", name, best(runs, a, draw), best(runs, b, draw));
    }

    private static double best(int runs, LatentShape shape, Draw draw) {
        long best = Long.MAX_VALUE;
        for (int r = 0; r < WARMUP_RUNS + runs; r++) {
            long start = System.nanoTime();
            draw.run(shape, r);
            long took = System.nanoTime() - start;
            if (r >= WARMUP_RUNS) {
                best = Math.min(best, took);
            }
        }
        return best / 1e6;
    }
}

package dev.sdfarm.checkpoint.dtype;

import dev.sdfarm.checkpoint.DType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Single-threaded throughput of {@link PrecisionCast#cast} over native memory, in GB/s of input, next to
 * {@link MemorySegment#copy} of the same number of bytes measured in the same run. Prints a markdown table.
 * Run through {@code bench/casts}; arguments: {@code [megabytes of input, default 256] [runs, default 7]
 * [native|heap, default native]}; {@code heap} puts source and destination in {@code byte[]} arrays.
 */
public final class CastBenchmark {

    private static final List<DType[]> PAIRS = List.of(
            new DType[] {DType.F32, DType.F16},
            new DType[] {DType.F32, DType.BF16},
            new DType[] {DType.F16, DType.F32},
            new DType[] {DType.BF16, DType.F32},
            new DType[] {DType.F16, DType.BF16},
            new DType[] {DType.BF16, DType.F16},
            new DType[] {DType.F32, DType.F8_E4M3FN},
            new DType[] {DType.F32, DType.F8_E5M2});
    private static final int WARMUP_RUNS = 3;

    private CastBenchmark() {
    }

    public static void main(String[] args) {
        long inputBytes = (args.length > 0 ? Long.parseLong(args[0]) : 256) << 20;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        boolean heap = args.length > 2 && args[2].equals("heap");
        float[] weights = typicalWeights(1 << 20);
        System.out.printf(Locale.ROOT, "%d MiB of input per run, median of %d runs, 1 thread, %s segments, %s%n%n",
                inputBytes >> 20, runs, heap ? "heap" : "native", System.getProperty("java.vm.version"));
        System.out.println("| cast | cast GB/s | copy GB/s | cast / copy |");
        System.out.println("| --- | ---: | ---: | ---: |");
        for (DType[] pair : PAIRS) {
            DType from = pair[0];
            DType to = pair[1];
            long count = inputBytes / from.size();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment src = allocate(arena, heap, count * from.size());
                MemorySegment dst = allocate(arena, heap, count * to.size());
                MemorySegment copy = allocate(arena, heap, count * from.size());
                fill(src, from, weights, arena);
                double[] castSeconds = new double[runs];
                double[] copySeconds = new double[runs];
                for (int run = -WARMUP_RUNS; run < runs; run++) {
                    long t0 = System.nanoTime();
                    PrecisionCast.cast(src, 0, from, dst, 0, to, count);
                    long t1 = System.nanoTime();
                    MemorySegment.copy(src, 0, copy, 0, src.byteSize());
                    long t2 = System.nanoTime();
                    if (run >= 0) {
                        castSeconds[run] = (t1 - t0) / 1e9;
                        copySeconds[run] = (t2 - t1) / 1e9;
                    }
                }
                double cast = src.byteSize() / median(castSeconds) / 1e9;
                double baseline = src.byteSize() / median(copySeconds) / 1e9;
                System.out.printf(Locale.ROOT, "| %s → %s | %.2f | %.2f | %.2f |%n", from, to, cast, baseline,
                        cast / baseline);
            }
        }
    }

    private static MemorySegment allocate(Arena arena, boolean heap, long bytes) {
        return heap ? MemorySegment.ofArray(new byte[Math.toIntExact(bytes)]) : arena.allocate(bytes, 64);
    }

    /** Roughly what Stable Diffusion weights look like: mostly N(0, 0.02), some larger, a few exact zeros. */
    private static float[] typicalWeights(int n) {
        Random random = new Random(42);
        float[] weights = new float[n];
        for (int i = 0; i < n; i++) {
            double scale = i % 16 == 0 ? 1.0 : 0.02;
            weights[i] = i % 1000 == 0 ? 0f : (float) (random.nextGaussian() * scale);
        }
        return weights;
    }

    private static void fill(MemorySegment src, DType type, float[] weights, Arena arena) {
        MemorySegment pattern = arena.allocate((long) weights.length * type.size(), 64);
        MemorySegment f32 = MemorySegment.ofArray(weights);
        PrecisionCast.cast(f32, 0, DType.F32, pattern, 0, type, weights.length);
        for (long offset = 0; offset < src.byteSize(); offset += pattern.byteSize()) {
            MemorySegment.copy(pattern, 0, src, offset, Math.min(pattern.byteSize(), src.byteSize() - offset));
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}

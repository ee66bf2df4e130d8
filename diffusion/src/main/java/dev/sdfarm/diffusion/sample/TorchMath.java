package dev.sdfarm.diffusion.sample;

import java.util.Arrays;

/**
 * The few torch 1.13 CPU operations whose rounding decides schedule values, reproduced in float32 / float64 as torch
 * computes them (AVX2 build: 8 floats or 4 doubles per vector).
 */
final class TorchMath {
    private TorchMath() {
    }

    /**
     * {@code torch.linspace(start, end, steps)} in float32: {@code step = (end - start) / (steps - 1)}, the first half
     * as {@code start + step * i}, the second as {@code end - step * (steps - i - 1)}, each one fused multiply-add (GCC
     * contracts them in the AVX2 kernel); blocks of 16 go through the vectorised kernel, whose vectors are
     * {@code base + j * step} (not fused) from the base of each vector of 8.
     */
    static float[] linspace(float start, float end, int steps) {
        checkSteps(steps);
        float[] out = new float[steps];
        if (steps == 1) {
            out[0] = start;
            return out;
        }
        float step = (end - start) / (float) (steps - 1);
        int halfway = steps / 2;
        int vec = 8;
        int i = 0;
        for (; i <= steps - 2 * vec; i += 2 * vec) {
            for (int v = 0; v < 2; v++) {
                int idx = i + v * vec;
                float base = linspaceAt(start, end, step, idx, halfway, steps);
                for (int j = 0; j < vec; j++) {
                    out[idx + j] = base + (float) j * step;
                }
            }
        }
        for (; i < steps; i++) {
            out[i] = linspaceAt(start, end, step, i, halfway, steps);
        }
        return out;
    }

    private static float linspaceAt(float start, float end, float step, int i, int halfway, int steps) {
        return i < halfway ? Math.fma(step, (float) i, start) : Math.fma(-step, (float) (steps - i - 1), end);
    }

    private static double linspaceAt(double start, double end, double step, int i, int halfway, int steps) {
        return i < halfway ? Math.fma(step, i, start) : Math.fma(-step, steps - i - 1, end);
    }

    /** {@code torch.linspace(start, end, steps, dtype=torch.float64)}, as {@link #linspace(float, float, int)}. */
    static double[] linspace(double start, double end, int steps) {
        checkSteps(steps);
        double[] out = new double[steps];
        if (steps == 1) {
            out[0] = start;
            return out;
        }
        double step = (end - start) / (double) (steps - 1);
        int halfway = steps / 2;
        int vec = 4;
        int i = 0;
        for (; i <= steps - 2 * vec; i += 2 * vec) {
            for (int v = 0; v < 2; v++) {
                int idx = i + v * vec;
                double base = linspaceAt(start, end, step, idx, halfway, steps);
                for (int j = 0; j < vec; j++) {
                    out[idx + j] = base + j * step;
                }
            }
        }
        for (; i < steps; i++) {
            out[i] = linspaceAt(start, end, step, i, halfway, steps);
        }
        return out;
    }

    private static void checkSteps(int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be at least 1, got " + steps);
        }
    }

    static float log(float x) {
        return (float) Math.log(x);
    }

    static float exp(float x) {
        return (float) Math.exp(x);
    }

    static float expm1(float x) {
        return (float) Math.expm1(x);
    }

    static float sqrt(float x) {
        return (float) Math.sqrt(x);
    }

    /** {@code torch.lerp} in float: {@code start + w * (end - start)} below 0.5, else {@code end - (end - start) * (1 - w)}. */
    static float lerp(float start, float end, float weight) {
        return Math.abs(weight) < 0.5f ? start + weight * (end - start) : end - (end - start) * (1f - weight);
    }

    /** {@code sampling.append_zero}. */
    static float[] appendZero(float[] values) {
        float[] out = Arrays.copyOf(values, values.length + 1);
        out[values.length] = 0f;
        return out;
    }
}

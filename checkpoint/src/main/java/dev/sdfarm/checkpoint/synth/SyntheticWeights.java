package dev.sdfarm.checkpoint.synth;

import java.nio.charset.StandardCharsets;

/**
 * Deterministic random weights that look like a freshly initialised network: matrices and kernels uniform in
 * ±1/sqrt(fan_in) (PyTorch's default init), norm scales near 1, biases and embeddings small. Values come from
 * a counter-based generator (a hash of seed, tensor name and element index), so any chunk of any tensor can
 * be produced independently and in parallel, and the same seed always gives the same file.
 */
public final class SyntheticWeights {
    private final long base;
    private final float scale;
    private final float offset;

    private SyntheticWeights(long base, float scale, float offset) {
        this.base = base;
        this.scale = scale;
        this.offset = offset;
    }

    /** The generator for one tensor. {@code twin} varies the values slightly (EMA copies of the same weights). */
    public static SyntheticWeights forTensor(String name, long[] shape, long seed, boolean twin) {
        long h = mix(seed ^ 0x5DEECE66DL);
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = mix(h ^ (b & 0xff));
        }
        float bound;
        float offset = 0f;
        String leaf = name.substring(name.lastIndexOf('.') + 1);
        // Every one-dimensional "weight" in these layouts is a norm scale; names alone miss the UNet ResBlocks'
        // GroupNorms (in_layers.0, out_layers.0, out.0).
        boolean norm = shape.length == 1 || name.contains("norm") || name.contains(".ln_") || name.contains("ln_final");
        if (name.contains("embedding")) {
            bound = 0.02f * 1.7320508f; // uniform with std 0.02
        } else if (norm && leaf.equals("weight")) {
            bound = 0.01f;
            offset = 1f;
        } else if (shape.length >= 2) {
            long fanIn = 1;
            for (int i = 1; i < shape.length; i++) {
                fanIn *= Math.max(shape[i], 1);
            }
            bound = (float) (1.0 / Math.sqrt(fanIn));
        } else {
            bound = 0.02f;
        }
        if (twin) {
            // An EMA twin: same distribution, different draws, so "EMA only" output is distinguishable.
            h = mix(h ^ 0x9E3779B97F4A7C15L);
        }
        return new SyntheticWeights(h, 2 * bound, offset - bound);
    }

    /** Element {@code index} of the tensor. */
    public float value(long index) {
        long r = mix(base + index * 0x9E3779B97F4A7C15L);
        return offset + scale * ((r >>> 40) * 0x1.0p-24f);
    }

    /** Fills {@code out[0..n)} with elements {@code start, start+1, ...}. */
    public void fill(long start, float[] out, int n) {
        for (int i = 0; i < n; i++) {
            long r = mix(base + (start + i) * 0x9E3779B97F4A7C15L);
            out[i] = offset + scale * ((r >>> 40) * 0x1.0p-24f);
        }
    }

    /** SplitMix64's finaliser: a cheap, well-mixed 64-bit hash. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

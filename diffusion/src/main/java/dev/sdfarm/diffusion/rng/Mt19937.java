package dev.sdfarm.diffusion.rng;

/**
 * The Mersenne Twister exactly as PyTorch's CPU generator runs it ({@code at::mt19937} in
 * {@code ATen/core/MT19937RNGEngine.h}, used by {@code CPUGeneratorImpl}).
 *
 * <p>It is the reference MT19937 (Matsumoto and Nishimura's {@code init_genrand} seeding and tempering); what is
 * torch-specific is how a seed reaches it: {@code torch.manual_seed} takes a 64-bit value (negative Python ints
 * wrap to two's complement) and {@code init_with_uint32} keeps only its low 32 bits, so seeds that differ by a
 * multiple of 2<sup>32</sup> give the same stream. {@code random64()} ({@code CPUGeneratorImpl.cpp}) joins two
 * consecutive outputs, the first as the high half.
 *
 * <p>Not thread-safe; one instance belongs to one generator.
 */
final class Mt19937 {
    private static final int N = 624;
    private static final int M = 397;
    private static final int MATRIX_A = 0x9908b0df;
    private static final int UPPER_MASK = 0x80000000;
    private static final int LOWER_MASK = 0x7fffffff;

    private final int[] state = new int[N];
    private int left;
    private int next;

    Mt19937(long seed) {
        reseed(seed);
    }

    /** {@code mt19937_engine::init_with_uint32}: only the low 32 bits of the seed count. */
    void reseed(long seed) {
        int[] s = state;
        s[0] = (int) seed;
        for (int j = 1; j < N; j++) {
            int prev = s[j - 1];
            s[j] = 1812433253 * (prev ^ (prev >>> 30)) + j;
        }
        left = 1;
        next = 0;
    }

    /** The next 32-bit output ({@code mt19937_engine::operator()}), as a Java int holding the unsigned bits. */
    int nextInt() {
        if (--left == 0) {
            regenerate();
        }
        int y = state[next++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y;
    }

    /** {@code CPUGeneratorImpl::random64}: two outputs, the first one in the high 32 bits. */
    long nextLong() {
        long hi = nextInt() & 0xffffffffL;
        long lo = nextInt() & 0xffffffffL;
        return (hi << 32) | lo;
    }

    /** {@code mt19937_engine::next_state}: the twist over the whole state array. */
    private void regenerate() {
        int[] s = state;
        int k = 0;
        for (; k < N - M; k++) {
            s[k] = s[k + M] ^ twist(s[k], s[k + 1]);
        }
        for (; k < N - 1; k++) {
            s[k] = s[k + M - N] ^ twist(s[k], s[k + 1]);
        }
        s[N - 1] = s[M - 1] ^ twist(s[N - 1], s[0]);
        left = N;
        next = 0;
    }

    private static int twist(int u, int v) {
        int mixed = (u & UPPER_MASK) | (v & LOWER_MASK);
        return (mixed >>> 1) ^ ((v & 1) != 0 ? MATRIX_A : 0);
    }
}

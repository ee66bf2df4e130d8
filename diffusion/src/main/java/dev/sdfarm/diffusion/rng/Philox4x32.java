package dev.sdfarm.diffusion.rng;

/**
 * The Philox4x32-10 counter-based generator (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
 * 2011) that cuRAND's {@code curandStatePhilox4_32_10_t} and AUTOMATIC1111's {@code modules/rng_philox.py}
 * ({@code philox4_round}, {@code philox4_32}) compute: ten rounds of two 32x32-to-64-bit multiplies, with the
 * key bumped by the Weyl constants between rounds.
 */
final class Philox4x32 {
    private static final long M0 = 0xD2511F53L;
    private static final long M1 = 0xCD9E8D57L;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;
    private static final int ROUNDS = 10;

    private Philox4x32() {
    }

    /**
     * The first two words of the block for counter {@code (c0, c1, c2, c3)} and key {@code (k0, k1)}, as a long
     * with word 0 in the low half and word 1 in the high half (words 2 and 3 are not used by the Box-Muller
     * step that A1111 reproduces).
     */
    static long firstTwoWords(int c0, int c1, int c2, int c3, int k0, int k1) {
        for (int round = 0; round < ROUNDS; round++) {
            long p0 = (c0 & 0xffffffffL) * M0;
            long p1 = (c2 & 0xffffffffL) * M1;
            int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            int n1 = (int) p1;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            int n3 = (int) p0;
            c0 = n0;
            c1 = n1;
            c2 = n2;
            c3 = n3;
            k0 += W0;
            k1 += W1;
        }
        return (c0 & 0xffffffffL) | ((long) c1 << 32);
    }
}

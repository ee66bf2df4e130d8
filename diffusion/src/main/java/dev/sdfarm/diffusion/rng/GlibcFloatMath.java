package dev.sdfarm.diffusion.rng;

/**
 * glibc's float {@code logf}, {@code sinf} and {@code cosf} (since glibc 2.28; {@code sysdeps/ieee754/flt-32/e_logf.c},
 * {@code s_sinf.c}, {@code s_cosf.c} with {@code s_sincosf.h} and {@code sincosf_poly.h}, data from
 * {@code e_logf_data.c} and {@code s_sincosf_data.c}), which PyTorch's plain {@code normal_fill} calls on Linux
 * when it does not run its AVX2 kernel. They work in double and round once, but they are not correctly rounded
 * (up to 0.82 ulp for {@code logf}, 0.56 for {@code sinf}/{@code cosf}), so {@link Math} would differ in the last
 * bit now and then.
 *
 * <p>On x86-64 glibc picks, at load time, the copies built with {@code -mfma -mavx2} ({@code e_logf-fma.c},
 * {@code s_sinf-fma.c}, {@code s_cosf-fma.c}) on every CPU with FMA; GCC fuses their multiply-adds, and so does
 * this port ({@link Math#fma}). Copies for CPUs without FMA round each product on its own.
 */
final class GlibcFloatMath {
    private GlibcFloatMath() {
    }

    // e_logf_data.c: LOGF_TABLE_BITS = 4, {invc, logc} per subinterval, then ln2 and the log1p polynomial.
    private static final double[] LOGF_INVC = {
        0x1.661ec79f8f3bep+0, 0x1.571ed4aaf883dp+0, 0x1.49539f0f010bp+0, 0x1.3c995b0b80385p+0,
        0x1.30d190c8864a5p+0, 0x1.25e227b0b8eap+0, 0x1.1bb4a4a1a343fp+0, 0x1.12358f08ae5bap+0,
        0x1.0953f419900a7p+0, 0x1p+0, 0x1.e608cfd9a47acp-1, 0x1.ca4b31f026aap-1,
        0x1.b2036576afce6p-1, 0x1.9c2d163a1aa2dp-1, 0x1.886e6037841edp-1, 0x1.767dcf5534862p-1,
    };
    private static final double[] LOGF_LOGC = {
        -0x1.57bf7808caadep-2, -0x1.2bef0a7c06ddbp-2, -0x1.01eae7f513a67p-2, -0x1.b31d8a68224e9p-3,
        -0x1.6574f0ac07758p-3, -0x1.1aa2bc79c81p-3, -0x1.a4e76ce8c0e5ep-4, -0x1.1973c5a611cccp-4,
        -0x1.252f438e10c1ep-5, 0x0p+0, 0x1.aa5aa5df25984p-5, 0x1.c5e53aa362eb4p-4,
        0x1.526e57720db08p-3, 0x1.bc2860d22477p-3, 0x1.1058bc8a07ee1p-2, 0x1.4043057b6ee09p-2,
    };
    private static final double LN2 = 0x1.62e42fefa39efp-1;
    private static final double LOGF_A0 = -0x1.00ea348b88334p-2;
    private static final double LOGF_A1 = 0x1.5575b0be00b6ap-2;
    private static final double LOGF_A2 = -0x1.ffffef20a4123p-2;
    private static final int LOGF_OFF = 0x3f330000;

    // s_sincosf_data.c (TOINT_INTRINSICS = 0 on x86-64, so hpi_inv is prescaled by 2^24); the second table
    // negates the cosine polynomial.
    private static final double HPI_INV = 0x1.45F306DC9C883p+23;
    private static final double HPI = 0x1.921FB54442D18p0;
    private static final double C0 = 0x1p0;
    private static final double C1 = -0x1.ffffffd0c621cp-2;
    private static final double C2 = 0x1.55553e1068f19p-5;
    private static final double C3 = -0x1.6c087e89a359dp-10;
    private static final double C4 = 0x1.99343027bf8c3p-16;
    private static final double S1 = -0x1.555545995a603p-3;
    private static final double S2 = 0x1.1107605230bc4p-7;
    private static final double S3 = -0x1.994eb3774cf24p-13;
    private static final double[] SIGN = {1.0, -1.0, -1.0, 1.0};
    /** 2 pi * 2^-64, for {@code reduce_large}. */
    private static final double PI63 = 0x1.921FB54442D18p-62;
    /** 4/pi to 192 bits, 8 new bits per entry ({@code __inv_pio4}). */
    private static final int[] INV_PIO4 = {
        0xa2, 0xa2f9, 0xa2f983, 0xa2f9836e, 0xf9836e4e, 0x836e4e44, 0x6e4e4415, 0x4e441529,
        0x441529fc, 0x1529fc27, 0x29fc2757, 0xfc2757d1, 0x2757d1f5, 0x57d1f534, 0xd1f534dd, 0xf534ddc0,
        0x34ddc0db, 0xddc0db62, 0xc0db6295, 0xdb629599, 0x6295993c, 0x95993c43, 0x993c4390, 0x3c439041,
    };
    private static final int ABSTOP12_PIO4 = abstop12((float) 0x1.921FB54442D18p-1);
    private static final int ABSTOP12_TINY = abstop12(0x1p-12f);
    private static final int ABSTOP12_120 = abstop12(120.0f);
    private static final int ABSTOP12_INF = abstop12(Float.POSITIVE_INFINITY);

    /** {@code __logf}. */
    static float log(float x) {
        int ix = Float.floatToRawIntBits(x);
        if (ix == 0x3f800000) {
            return 0f;
        }
        if (Integer.compareUnsigned(ix - 0x00800000, 0x7f800000 - 0x00800000) >= 0) {
            if (ix * 2 == 0) {
                return Float.NEGATIVE_INFINITY;
            }
            if (ix == 0x7f800000) {
                return x;
            }
            if ((ix & 0x80000000) != 0 || Integer.compareUnsigned(ix * 2, 0xff000000) >= 0) {
                return Float.NaN;
            }
            ix = Float.floatToRawIntBits(x * 0x1p23f); // subnormal: normalise
            ix -= 23 << 23;
        }
        int tmp = ix - LOGF_OFF;
        int i = (tmp >>> (23 - 4)) % 16;
        int k = tmp >> 23;
        int iz = ix - (tmp & (0x1ff << 23));
        double invc = LOGF_INVC[i];
        double logc = LOGF_LOGC[i];
        double z = Float.intBitsToFloat(iz);
        double r = Math.fma(z, invc, -1.0);
        double y0 = Math.fma(k, LN2, logc);
        double r2 = r * r;
        double y = Math.fma(LOGF_A1, r, LOGF_A2);
        y = Math.fma(LOGF_A0, r2, y);
        y = Math.fma(y, r2, y0 + r);
        return (float) y;
    }

    /** {@code __sinf}. */
    static float sin(float y) {
        double x = y;
        int top = abstop12(y);
        if (top < ABSTOP12_PIO4) {
            if (top < ABSTOP12_TINY) {
                return y;
            }
            return sinfPoly(x, x * x, 1.0, 0);
        }
        if (top < ABSTOP12_120) {
            int n = quadrantFast(x);
            x = reduceFast(x, n);
            return sinfPoly(x * SIGN[n & 3], x * x, (n & 2) != 0 ? -1.0 : 1.0, n);
        }
        if (top < ABSTOP12_INF) {
            int xi = Float.floatToRawIntBits(y);
            int sign = xi >>> 31;
            long[] reduced = reduceLarge(xi);
            int n = (int) reduced[1];
            x = Double.longBitsToDouble(reduced[0]);
            return sinfPoly(x * SIGN[(n + sign) & 3], x * x, ((n + sign) & 2) != 0 ? -1.0 : 1.0, n);
        }
        return Float.NaN;
    }

    /** {@code __cosf}. */
    static float cos(float y) {
        double x = y;
        int top = abstop12(y);
        if (top < ABSTOP12_PIO4) {
            if (top < ABSTOP12_TINY) {
                return 1.0f;
            }
            return sinfPoly(x, x * x, 1.0, 1);
        }
        if (top < ABSTOP12_120) {
            int n = quadrantFast(x);
            x = reduceFast(x, n);
            return sinfPoly(x * SIGN[n & 3], x * x, (n & 2) != 0 ? -1.0 : 1.0, n ^ 1);
        }
        if (top < ABSTOP12_INF) {
            int xi = Float.floatToRawIntBits(y);
            int sign = xi >>> 31;
            long[] reduced = reduceLarge(xi);
            int n = (int) reduced[1];
            x = Double.longBitsToDouble(reduced[0]);
            return sinfPoly(x * SIGN[(n + sign) & 3], x * x, ((n + sign) & 2) != 0 ? -1.0 : 1.0, n ^ 1);
        }
        return Float.NaN;
    }

    private static int abstop12(float x) {
        return (Float.floatToRawIntBits(x) >>> 20) & 0x7ff;
    }

    /** {@code reduce_fast}'s quadrant: {@code ((int32_t) (x * hpi_inv) + 0x800000) >> 24}. */
    private static int quadrantFast(double x) {
        return ((int) (x * HPI_INV) + 0x800000) >> 24;
    }

    /** {@code reduce_fast}: {@code x - n * hpi}, one fused multiply-subtract. */
    private static double reduceFast(double x, int n) {
        return Math.fma(-(double) n, HPI, x);
    }

    /**
     * {@code reduce_large}: exact fixed-point reduction against 4/pi for {@code |x| >= 120}. Returns the reduced
     * value's bits and the quadrant.
     */
    private static long[] reduceLarge(int xi) {
        int base = (xi >>> 26) & 15;
        int shift = (xi >>> 23) & 7;
        long m = ((xi & 0xffffff) | 0x800000) & 0xffffffffL;
        m = (m << shift) & 0xffffffffL;
        long res0 = (m * (INV_PIO4[base] & 0xffffffffL)) & 0xffffffffL; // 32-bit product in C
        long res1 = m * (INV_PIO4[base + 4] & 0xffffffffL);
        long res2 = m * (INV_PIO4[base + 8] & 0xffffffffL);
        res0 = (res2 >>> 32) | (res0 << 32);
        res0 += res1;
        long n = (res0 + (1L << 61)) >>> 62;
        res0 -= n << 62;
        double x = (double) res0;
        return new long[] {Double.doubleToRawLongBits(x * PI63), n};
    }

    /**
     * {@code sinf_poly}: the sine polynomial for even quadrants, the cosine one for odd; {@code cosSign} is -1
     * where glibc switches to its second table (negated cosine coefficients).
     */
    private static float sinfPoly(double x, double x2, double cosSign, int n) {
        if ((n & 1) == 0) {
            double x3 = x * x2;
            double s1 = Math.fma(x2, S3, S2);
            double x7 = x3 * x2;
            double s = Math.fma(x3, S1, x);
            return (float) Math.fma(x7, s1, s);
        }
        double x4 = x2 * x2;
        double c2 = Math.fma(x2, cosSign * C4, cosSign * C3);
        double c1 = Math.fma(x2, cosSign * C1, cosSign * C0);
        double x6 = x4 * x2;
        double c = Math.fma(x4, cosSign * C2, c1);
        return (float) Math.fma(x6, c2, c);
    }
}

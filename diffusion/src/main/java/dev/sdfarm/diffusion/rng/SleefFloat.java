package dev.sdfarm.diffusion.rng;

/**
 * SLEEF 3.5's 1-ulp float {@code sin} and {@code acos} ({@code xsinf_u1} and {@code xacosf_u1} in
 * {@code src/libm/sleefsimdsp.c}, the code behind {@code Sleef_sinf8_u10} and {@code Sleef_acosf8_u10}), one lane
 * of the AVX2 build: PyTorch's CPU {@code torch.sin} and {@code torch.acos} on float tensors call these
 * ({@code Vectorized<float>::sin}/{@code acos}) in builds without MKL, and A1111's variation-seed slerp uses
 * both. They are accurate to 1 ulp but not correctly rounded, so reproducing torch's bits takes their exact
 * arithmetic: Cody-Waite reduction by pi into a float pair, double-float ("df", {@code src/libm/df.h})
 * arithmetic in its FMA variant ({@code ENABLE_FMA_SP}, as the AVX2 helper selects), and SLEEF's polynomials.
 * SLEEF compiles with {@code -ffp-contract=off}, so every operation not written as an FMA rounds on its own.
 */
final class SleefFloat {
    private static final float ONE_OVER_PI = (float) 0.318309886183790671537767526745028724;
    private static final float PI_A2 = 3.1414794921875f;
    private static final float PI_B2 = 0.00011315941810607910156f;
    private static final float PI_C2 = 1.9841872589410058936e-09f;
    /** Beyond this SLEEF switches to Payne-Hanek reduction, which is not reproduced here. */
    private static final float TRIG_RANGE_MAX = 125.0f;
    private static final float PI_HI = 3.1415927410125732422f;
    private static final float PI_LO = -8.7422776573475857731e-08f;

    private SleefFloat() {
    }

    /**
     * {@code xsinf_u1} for {@code |d| < 125}; larger arguments (SLEEF's Payne-Hanek path) get the correctly
     * rounded sine instead.
     */
    static float sin(float d) {
        if (!(Math.abs(d) < TRIG_RANGE_MAX)) {
            return (float) StrictMath.sin(d);
        }
        float u = (float) Math.rint(d * ONE_OVER_PI);
        int q = (int) u;
        float v = Math.fma(u, -PI_A2, d);
        // s = dfadd2(v, u * -PI_B2)
        float b = u * -PI_B2;
        float sx = v + b;
        float sv = sx - v;
        float sy = (v - (sx - sv)) + (b - sv);
        // s = dfadd(s, u * -PI_C2)
        float c = u * -PI_C2;
        float s2x = sx + c;
        float s2y = ((sx - s2x) + c) + sy;
        float tx = s2x;
        float ty = s2y;
        // s = dfsqu(s)
        float qx = s2x * s2x;
        float qy = Math.fma(s2x + s2x, s2y, Math.fma(s2x, s2x, -qx));

        float p = 2.6083159809786593541503e-06f;
        p = Math.fma(p, qx, -0.0001981069071916863322258f);
        p = Math.fma(p, qx, 0.00833307858556509017944336f);
        // x = dfadd(1, dfmul(dfadd(-0.1666666, p * s.x), s))
        float a = -0.166666597127914428710938f;
        float ap = p * qx;
        float ax = a + ap;
        float ay = (a - ax) + ap;
        float mx = ax * qx;
        float my = Math.fma(ax, qy, Math.fma(ay, qx, Math.fma(ax, qx, -mx)));
        float xx = 1f + mx;
        float xy = ((1f - xx) + mx) + my;
        // u = dfmul_vf_vf2_vf2(t, x)
        float result = Math.fma(tx, xx, Math.fma(ty, xx, tx * xy));
        if ((q & 1) == 1) {
            result = -result;
        }
        if (Float.floatToRawIntBits(d) == 0x80000000) {
            result = d;
        }
        return result;
    }

    /** {@code xacosf_u1}. */
    static float acos(float d) {
        float ad = Math.abs(d);
        boolean small = ad < 0.5f;
        float x2 = small ? d * d : (1f - ad) * 0.5f;
        float xx;
        float xy;
        if (small) {
            xx = ad;
            xy = 0f;
        } else {
            // dfsqrt_vf2_vf(x2)
            float t = (float) Math.sqrt(x2);
            float tt = t * t;
            float tty = Math.fma(t, t, -tt);
            // dfadd2_vf2_vf_vf2(x2, (tt, tty))
            float sx = x2 + tt;
            float sv = sx - x2;
            float sy = ((x2 - (sx - sv)) + (tt - sv)) + tty;
            // dfrec_vf2_vf(t)
            float rx = 1f / t;
            float ry = rx * Math.fma(-t, rx, 1f);
            // dfmul_vf2_vf2_vf2(s, r), then dfscale by 0.5
            float mx = sx * rx;
            float my = Math.fma(sx, ry, Math.fma(sy, rx, Math.fma(sx, rx, -mx)));
            xx = mx * 0.5f;
            xy = my * 0.5f;
        }
        if (ad == 1f) {
            xx = 0f;
            xy = 0f;
        }
        float u = 0.4197454825e-1f;
        u = Math.fma(u, x2, 0.2424046025e-1f);
        u = Math.fma(u, x2, 0.4547423869e-1f);
        u = Math.fma(u, x2, 0.7495029271e-1f);
        u = Math.fma(u, x2, 0.1666677296e+0f);
        u = u * (x2 * xx);

        float yx;
        float yy;
        if (small) {
            // dfsub((pi/2 hi, lo), dfadd(mulsign(x.x, d), mulsign(u, d)))
            float a = mulSign(xx, d);
            float b = mulSign(u, d);
            float ex = a + b;
            float ey = (a - ex) + b;
            float hx = PI_HI / 2;
            float hy = PI_LO / 2;
            yx = hx - ex;
            float t = hx - yx;
            t = t - ex;
            t = t + hy;
            yy = t - ey;
        } else {
            // dfscale(dfadd(x, u), 2)
            float sx = xx + u;
            float sy = ((xx - sx) + u) + xy;
            yx = sx * 2f;
            yy = sy * 2f;
            if (d < 0f) {
                // dfsub((pi hi, lo), y)
                float rx = PI_HI - yx;
                float t = PI_HI - rx;
                t = t - yx;
                t = t + PI_LO;
                yy = t - yy;
                yx = rx;
            }
        }
        return yx + yy;
    }

    private static float mulSign(float x, float y) {
        return Float.intBitsToFloat(Float.floatToRawIntBits(x) ^ (Float.floatToRawIntBits(y) & 0x80000000));
    }
}

package dev.sdfarm.diffusion.sample;

/**
 * The beta distribution's quantile function ({@code scipy.stats.beta.ppf}), which A1111's Beta scheduler uses: the
 * inverse of the regularized incomplete beta function {@code I_x(a, b)}, in double precision.
 *
 * <p>{@code I_x(a, b)} comes from its continued fraction (modified Lentz, the usual symmetry
 * {@code I_x(a, b) = 1 - I_{1-x}(b, a)} above the mean) with a Lanczos log-gamma; the inverse is bisection on
 * {@code [0, 1]} down to adjacent doubles, so it is monotone and accurate to about 1e-15 relative wherever
 * {@code I} is, including tiny quantiles.
 */
final class BetaDistribution {
    private static final double EPS = 1e-16;
    private static final double TINY = 1e-300;
    private static final int MAX_ITERATIONS = 10_000;
    /** Lanczos approximation, g = 7, n = 9. */
    private static final double LANCZOS_G = 7.0;
    private static final double[] LANCZOS = {
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
        12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};

    private BetaDistribution() {
    }

    /** {@code scipy.stats.beta.ppf(p, a, b)}: the x in [0, 1] with {@code I_x(a, b) = p}. */
    static double ppf(double p, double a, double b) {
        checkShape(a, b);
        if (!(p >= 0.0 && p <= 1.0)) {
            throw new IllegalArgumentException("probability must be in [0, 1], got " + p);
        }
        if (p == 0.0) {
            return 0.0;
        }
        if (p == 1.0) {
            return 1.0;
        }
        double lo = 0.0;
        double hi = 1.0;
        double fLo = -p;
        double fHi = 1.0 - p;
        while (true) {
            double mid = lo + (hi - lo) * 0.5;
            if (mid <= lo || mid >= hi) {
                break;
            }
            double f = regularizedIncompleteBeta(mid, a, b) - p;
            if (f < 0.0) {
                lo = mid;
                fLo = f;
            } else {
                hi = mid;
                fHi = f;
            }
        }
        return -fLo <= fHi ? lo : hi;
    }

    /** The regularized incomplete beta function {@code I_x(a, b)} for x in [0, 1]. */
    static double regularizedIncompleteBeta(double x, double a, double b) {
        checkShape(a, b);
        if (x <= 0.0) {
            return 0.0;
        }
        if (x >= 1.0) {
            return 1.0;
        }
        if (x > (a + 1.0) / (a + b + 2.0)) {
            return 1.0 - regularizedIncompleteBeta(1.0 - x, b, a);
        }
        double logFront = a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b);
        return Math.exp(logFront) * continuedFraction(x, a, b) / a;
    }

    /** The continued fraction of {@code I_x(a, b)} (Numerical Recipes' {@code betacf}), modified Lentz. */
    private static double continuedFraction(double x, double a, double b) {
        double qab = a + b;
        double qap = a + 1.0;
        double qam = a - 1.0;
        double c = 1.0;
        double d = 1.0 - qab * x / qap;
        d = 1.0 / (Math.abs(d) < TINY ? TINY : d);
        double h = d;
        for (int m = 1; m <= MAX_ITERATIONS; m++) {
            int m2 = 2 * m;
            double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1.0 + aa * d;
            d = 1.0 / (Math.abs(d) < TINY ? TINY : d);
            c = 1.0 + aa / c;
            c = Math.abs(c) < TINY ? TINY : c;
            h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1.0 + aa * d;
            d = 1.0 / (Math.abs(d) < TINY ? TINY : d);
            c = 1.0 + aa / c;
            c = Math.abs(c) < TINY ? TINY : c;
            double delta = d * c;
            h *= delta;
            if (Math.abs(delta - 1.0) < EPS) {
                return h;
            }
        }
        throw new ArithmeticException("incomplete beta continued fraction did not converge for x=" + x + ", a=" + a
                + ", b=" + b);
    }

    static double logBeta(double a, double b) {
        return logGamma(a) + logGamma(b) - logGamma(a + b);
    }

    /** log Γ(x) for x > 0 (Lanczos, reflection below 1/2). */
    static double logGamma(double x) {
        if (x < 0.5) {
            return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1.0 - x);
        }
        double z = x - 1.0;
        double sum = LANCZOS[0];
        for (int i = 1; i < LANCZOS.length; i++) {
            sum += LANCZOS[i] / (z + i);
        }
        double t = z + LANCZOS_G + 0.5;
        return 0.5 * Math.log(2.0 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
    }

    private static void checkShape(double a, double b) {
        if (!(a > 0.0 && b > 0.0 && Double.isFinite(a) && Double.isFinite(b))) {
            throw new IllegalArgumentException("beta distribution shape parameters must be positive, got a=" + a
                    + ", b=" + b);
        }
    }
}

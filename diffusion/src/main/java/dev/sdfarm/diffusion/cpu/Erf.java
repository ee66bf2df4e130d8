package dev.sdfarm.diffusion.cpu;

/**
 * The error function in double precision (for the exact GELU): the Maclaurin series below 3, where its terms
 * stay small enough to keep ~12 significant digits, and Lentz's continued fraction for erfc above.
 */
final class Erf {
    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;

    private Erf() {
    }

    static double erf(double x) {
        double a = Math.abs(x);
        if (Double.isNaN(x)) {
            return x;
        }
        if (a >= 6) {
            return Math.copySign(1.0, x);
        }
        if (a < 3) {
            double x2 = x * x;
            double term = x;
            double sum = x;
            for (int n = 1; n < 100; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                    break;
                }
            }
            return TWO_OVER_SQRT_PI * sum;
        }
        return Math.copySign(1.0 - erfcContinuedFraction(a), x);
    }

    /** erfc(x) = exp(-x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))) for x ≥ 3, by the modified Lentz method. */
    private static double erfcContinuedFraction(double x) {
        double tiny = 1e-300;
        double f = x;
        double c = x;
        double d = 0;
        for (int n = 1; n < 200; n++) {
            double an = n / 2.0;
            d = x + an * d;
            d = Math.abs(d) < tiny ? tiny : d;
            c = x + an / c;
            c = Math.abs(c) < tiny ? tiny : c;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-16) {
                break;
            }
        }
        return Math.exp(-x * x) / (f * Math.sqrt(Math.PI));
    }
}

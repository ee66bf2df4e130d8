package dev.sdfarm.checkpoint.dtype;

/**
 * A binary floating-point format narrower than fp32 (1 sign bit, {@code exponentBits}, {@code mantissaBits}),
 * with exact scalar conversion to and from fp32 bit patterns. Codes are the format's bit patterns held in
 * the low bits of an {@code int}.
 *
 * <p>All four formats have their non-negative finite codes at {@code 0..maxFinite()} in value order, so the
 * rounding arithmetic below can work on codes as unsigned integers and treat anything past
 * {@code maxFinite()} as overflow; the code just past it is the overflow result (Inf, or NaN for e4m3fn).
 *
 * <p>A record because C2 trusts record fields as truly final: where a vector kernel names one of the
 * constants below, everything derived from it folds into constants of the compiled loop.
 *
 * @param exponentBits width of the exponent field
 * @param mantissaBits width of the stored mantissa field
 * @param hasInfinity whether the all-ones exponent means Inf/NaN (IEEE style); e4m3fn instead keeps that
 *     exponent for finite values and has a single NaN mantissa (all ones) and no Inf
 * @param nanCode the positive canonical NaN produced when narrowing a NaN
 * @param quietsNanOnWidening whether widening sets the fp32 quiet bit on a NaN (false for bf16, which
 *     widens by a plain shift and so keeps even signalling NaNs as they are, as torch does)
 */
record Minifloat(int exponentBits, int mantissaBits, boolean hasInfinity, int nanCode,
                 boolean quietsNanOnWidening) {

    static final Minifloat FP16 = new Minifloat(5, 10, true, 0x7E00, true);
    static final Minifloat BF16 = new Minifloat(8, 7, true, 0x7FC0, false);
    static final Minifloat E4M3FN = new Minifloat(4, 3, false, 0x7F, true);
    static final Minifloat E5M2 = new Minifloat(5, 2, true, 0x7F, true);

    static final int F32_EXPONENT = 0x7F800000;
    static final int F32_MAGNITUDE = 0x7FFFFFFF;
    static final int F32_QUIET = 0x00400000;

    int bias() {
        return (1 << (exponentBits - 1)) - 1;
    }

    int signBit() {
        return 1 << (exponentBits + mantissaBits);
    }

    int magnitudeMask() {
        return signBit() - 1;
    }

    /** Distance between the sign bits of fp32 and of this format. */
    int signShift() {
        return 31 - exponentBits - mantissaBits;
    }

    /** How many low mantissa bits fp32 has beyond this format. */
    int mantissaShift() {
        return 23 - mantissaBits;
    }

    int maxFinite() {
        return hasInfinity ? ((1 << exponentBits) - 1 << mantissaBits) - 1 : nanCode - 1;
    }

    /** Result magnitude of a finite value that rounds beyond {@link #maxFinite()}: Inf, or NaN for e4m3fn. */
    int overflowCode() {
        return maxFinite() + 1;
    }

    /** Smallest magnitude code that is NaN. */
    int firstNan() {
        return hasInfinity ? overflowCode() + 1 : nanCode;
    }

    int minNormalCode() {
        return 1 << mantissaBits;
    }

    /** What to add to a normal value's fp32 bits (exponent field) to re-bias it to this format. */
    int rebias() {
        return 127 - bias() << 23;
    }

    /** fp32 bits of this format's smallest normal value. */
    int minNormalFloatBits() {
        return 128 - bias() << 23;
    }

    /** Exponent of the subnormal spacing (the smallest positive value is {@code 2^subnormalExponent}). */
    int subnormalExponent() {
        return 1 - bias() - mantissaBits;
    }

    /**
     * Rounds fp32 bits to this format: nearest, ties to even, subnormals exact; magnitudes that round past
     * {@link #maxFinite()} and infinities become {@link #overflowCode()}; NaN becomes {@link #nanCode()}.
     * The sign is kept in every case.
     */
    int fromFloatBits(int bits) {
        int sign = (bits >>> signShift()) & signBit();
        int a = bits & F32_MAGNITUDE;
        if (a > F32_EXPONENT) {
            return sign | nanCode;
        }
        int code = a >= minNormalFloatBits()
                ? roundRightEven(a - rebias(), mantissaShift())
                : subnormalCode(a);
        return sign | Math.min(code, overflowCode());
    }

    /** The subnormal (or zero, or smallest normal) code of a positive fp32 below the smallest normal here. */
    private int subnormalCode(int a) {
        int exponent = a >>> 23;
        int significand = exponent == 0 ? a : (a & 0x007FFFFF) | 0x00800000;
        // value = significand * 2^(max(exponent, 1) - 150); the shift expresses it in subnormal units.
        int shift = subnormalExponent() - (Math.max(exponent, 1) - 150);
        // significand < 2^24, so from a shift of 25 on everything is below half a unit.
        return roundRightEven(significand, Math.min(shift, 25));
    }

    /** {@code v / 2^shift} rounded to nearest, ties to even, for v read as unsigned and 1 <= shift <= 25. */
    static int roundRightEven(int v, int shift) {
        int lastKept = (v >>> shift) & 1;
        return v + (1 << (shift - 1)) - 1 + lastKept >>> shift;
    }

    /**
     * The fp32 bits of a code, exactly. A NaN keeps its sign and its payload (moved to the top of the fp32
     * mantissa) and gains the quiet bit where {@link #quietsNanOnWidening()}.
     */
    int toFloatBits(int code) {
        int sign = (code & signBit()) << signShift();
        int magnitude = code & magnitudeMask();
        if (magnitude >= minNormalCode() && magnitude < overflowCode()) {
            return sign | (magnitude << mantissaShift()) + rebias();
        }
        if (magnitude < minNormalCode()) {
            return sign | Float.floatToRawIntBits(Math.scalb((float) magnitude, subnormalExponent()));
        }
        int special = F32_EXPONENT | (magnitude << mantissaShift());
        if (magnitude >= firstNan() && quietsNanOnWidening) {
            special |= F32_QUIET;
        }
        return sign | special;
    }

    boolean isFinite(int code) {
        return (code & magnitudeMask()) < overflowCode();
    }
}

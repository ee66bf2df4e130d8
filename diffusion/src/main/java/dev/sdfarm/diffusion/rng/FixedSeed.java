package dev.sdfarm.diffusion.rng;

import java.math.BigInteger;
import java.util.random.RandomGenerator;

/**
 * AUTOMATIC1111's {@code get_fixed_seed} ({@code modules/processing.py}): turns the seed a user asked for into
 * the seed a job runs with. {@code -1}, an empty or missing value, and text that Python's {@code int()} cannot
 * read all mean "pick one at random", which A1111 does with {@code int(random.randrange(4294967294))}: uniform
 * in {@code [0, 4294967294)}. Any other value is kept as it is (negative ones included).
 *
 * <p>A1111's Python random state cannot be reproduced, so the random source is the caller's.
 */
public final class FixedSeed {
    /** The seed value that asks for a random seed. */
    public static final long RANDOM = -1;
    /** Random seeds are below this: A1111's {@code random.randrange(4294967294)}. */
    public static final long RANDOM_SEED_BOUND = 4294967294L;

    private static final BigInteger MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger MAX_UNSIGNED = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private FixedSeed() {
    }

    /** A seed drawn as A1111 draws one. */
    public static long random(RandomGenerator random) {
        return random.nextLong(RANDOM_SEED_BOUND);
    }

    /** {@code get_fixed_seed(seed)} for a numeric seed: {@code -1} becomes a random seed. */
    public static long of(long seed, RandomGenerator random) {
        return seed == RANDOM ? random(random) : seed;
    }

    /**
     * {@code get_fixed_seed(seed)} for a seed given as text (a form field, an API string): {@code null}, empty
     * text, text {@code int()} rejects, and {@code -1} become a random seed. Parsing follows Python's
     * {@code int(str)}: surrounding whitespace, an optional sign, decimal digits (any script's) with single
     * underscores between them. Values must fit in 64 bits, signed or unsigned (unsigned ones above
     * {@link Long#MAX_VALUE} come back as their two's-complement long, which is what torch's seeding uses).
     */
    public static long of(String seed, RandomGenerator random) {
        if (seed == null) {
            return random(random);
        }
        BigInteger parsed = parsePythonInt(seed);
        if (parsed == null) {
            return random(random);
        }
        if (parsed.compareTo(MIN) < 0 || parsed.compareTo(MAX_UNSIGNED) > 0) {
            throw new IllegalArgumentException("seed out of the 64-bit range: " + seed.strip());
        }
        // compare before narrowing: 2^64 - 1 is a seed of its own, not -1
        return parsed.equals(BigInteger.ONE.negate()) ? random(random) : parsed.longValue();
    }

    /** Python's {@code int(text)} in base 10, or null where it raises {@code ValueError}. */
    static BigInteger parsePythonInt(String text) {
        String s = stripPythonWhitespace(text);
        int i = 0;
        boolean negative = false;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        if (i == s.length()) {
            return null;
        }
        StringBuilder digits = new StringBuilder(s.length());
        boolean lastWasDigit = false;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == '_') {
                if (!lastWasDigit) {
                    return null;
                }
                lastWasDigit = false;
                continue;
            }
            if (Character.getType(cp) != Character.DECIMAL_DIGIT_NUMBER) {
                return null;
            }
            digits.append((char) ('0' + Character.digit(cp, 10)));
            lastWasDigit = true;
        }
        if (!lastWasDigit) {
            return null;
        }
        BigInteger value = new BigInteger(digits.toString());
        return negative ? value.negate() : value;
    }

    /**
     * The whitespace {@code int()} ignores around the digits: ASCII space, tab, line feed, vertical tab, form feed
     * and carriage return, and any non-ASCII Unicode whitespace (which CPython first maps to a space). The ASCII
     * separators 0x1C-0x1F are not among them.
     */
    private static String stripPythonWhitespace(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isPythonWhitespace(s.charAt(start))) {
            start++;
        }
        while (end > start && isPythonWhitespace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean isPythonWhitespace(char c) {
        if (c < 128) {
            return c == ' ' || (c >= '\t' && c <= '\r');
        }
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }
}

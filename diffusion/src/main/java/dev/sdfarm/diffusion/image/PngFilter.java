package dev.sdfarm.diffusion.image;

/**
 * How {@link PngWriter} filters rows before compression: one fixed PNG filter type for every row, or
 * {@link #ADAPTIVE}, which picks per row the filter whose output has the smallest sum of absolute values (taken as
 * signed bytes), the heuristic libpng and Pillow use.
 */
public enum PngFilter {
    /** Filter type 0. */
    NONE(0),
    /** Filter type 1: difference to the pixel on the left. */
    SUB(1),
    /** Filter type 2: difference to the pixel above. */
    UP(2),
    /** Filter type 3: difference to the mean of left and above. */
    AVERAGE(3),
    /** Filter type 4: difference to the Paeth predictor. */
    PAETH(4),
    /** Per-row choice among the five types by minimum sum of absolute differences. */
    ADAPTIVE(-1);

    private final int type;

    PngFilter(int type) {
        this.type = type;
    }

    /** The PNG filter type byte, or -1 for {@link #ADAPTIVE}. */
    public int type() {
        return type;
    }

    /**
     * Writes filter type {@code type} of {@code row} (with {@code prior}, the previous raw row, all zeros for the
     * first) into {@code out[1..]} and the type into {@code out[0]}.
     */
    static void apply(int type, byte[] row, byte[] prior, int bpp, byte[] out) {
        int n = row.length;
        out[0] = (byte) type;
        switch (type) {
            case 0 -> System.arraycopy(row, 0, out, 1, n);
            case 1 -> {
                for (int i = 0; i < n; i++) {
                    int left = i >= bpp ? row[i - bpp] : 0;
                    out[i + 1] = (byte) (row[i] - left);
                }
            }
            case 2 -> {
                for (int i = 0; i < n; i++) {
                    out[i + 1] = (byte) (row[i] - prior[i]);
                }
            }
            case 3 -> {
                for (int i = 0; i < n; i++) {
                    int left = i >= bpp ? row[i - bpp] & 0xFF : 0;
                    out[i + 1] = (byte) (row[i] - ((left + (prior[i] & 0xFF)) >>> 1));
                }
            }
            case 4 -> {
                for (int i = 0; i < n; i++) {
                    int a = i >= bpp ? row[i - bpp] & 0xFF : 0;
                    int c = i >= bpp ? prior[i - bpp] & 0xFF : 0;
                    out[i + 1] = (byte) (row[i] - paeth(a, prior[i] & 0xFF, c));
                }
            }
            default -> throw new IllegalArgumentException("filter type " + type);
        }
    }

    /**
     * Reverses filter {@code type} in place on {@code row[from .. from + n)}, with {@code prior} the previous
     * reconstructed row at {@code priorFrom} (or {@code null} for the first row).
     */
    static boolean unapply(int type, byte[] buf, int from, int n, int priorFrom, boolean hasPrior, int bpp) {
        switch (type) {
            case 0 -> {
            }
            case 1 -> {
                for (int i = bpp; i < n; i++) {
                    buf[from + i] += buf[from + i - bpp];
                }
            }
            case 2 -> {
                if (hasPrior) {
                    for (int i = 0; i < n; i++) {
                        buf[from + i] += buf[priorFrom + i];
                    }
                }
            }
            case 3 -> {
                for (int i = 0; i < n; i++) {
                    int left = i >= bpp ? buf[from + i - bpp] & 0xFF : 0;
                    int up = hasPrior ? buf[priorFrom + i] & 0xFF : 0;
                    buf[from + i] += (byte) ((left + up) >>> 1);
                }
            }
            case 4 -> {
                for (int i = 0; i < n; i++) {
                    int a = i >= bpp ? buf[from + i - bpp] & 0xFF : 0;
                    int b = hasPrior ? buf[priorFrom + i] & 0xFF : 0;
                    int c = hasPrior && i >= bpp ? buf[priorFrom + i - bpp] & 0xFF : 0;
                    buf[from + i] += (byte) paeth(a, b, c);
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    static int paeth(int a, int b, int c) {
        int p = a + b - c;
        int pa = Math.abs(p - a);
        int pb = Math.abs(p - b);
        int pc = Math.abs(p - c);
        if (pa <= pb && pa <= pc) {
            return a;
        }
        return pb <= pc ? b : c;
    }

    /** Sum of |signed byte| of the filtered row (the type byte excluded): smaller compresses better, usually. */
    static long cost(byte[] filtered) {
        long sum = 0;
        for (int i = 1; i < filtered.length; i++) {
            sum += Math.abs(filtered[i]);
        }
        return sum;
    }
}

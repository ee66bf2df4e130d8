package dev.sdfarm.checkpoint;

/** Counts and sizes in messages: "1 tensor", "3 tensors", "7.70 GB". */
public final class Counts {
    private Counts() {
    }

    public static String tensors(long n) {
        return n + (n == 1 ? " tensor" : " tensors");
    }

    public static String values(long n) {
        return n + (n == 1 ? " value" : " values");
    }

    /** Human-readable byte count in decimal units: 512 B, 3.4 MB, 7.70 GB. */
    public static String bytes(long n) {
        if (n < 1000) {
            return n + " B";
        }
        String[] units = {"kB", "MB", "GB", "TB"};
        double v = n;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(java.util.Locale.ROOT, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, units[u]);
    }
}

package dev.sdfarm.converter.cli;

import static dev.sdfarm.checkpoint.Counts.bytes;

import dev.sdfarm.checkpoint.slim.Progress;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A one-line progress bar on standard error: label, bar, percentage, bytes done/total, rate and ETA.
 * Redraws at most ten times a second and only when stderr is a terminal; otherwise it stays silent.
 * Thread-safe: {@link #advance} may be called from several threads.
 */
public final class ProgressBar implements Progress, AutoCloseable {
    private final PrintStream out;
    private final boolean enabled;
    private final AtomicLong done = new AtomicLong();
    private final long start = System.nanoTime();
    private volatile long total;
    private volatile String label;
    private volatile long lastDraw;

    private ProgressBar(PrintStream out, boolean enabled, String label, long total) {
        this.out = out;
        this.enabled = enabled;
        this.label = label;
        this.total = total;
    }

    /** A bar that draws when stderr is a terminal and {@code quiet} is false. */
    public static ProgressBar open(String label, long totalBytes, boolean quiet) {
        return new ProgressBar(System.err, !quiet && Terminal.stderrIsTerminal(), label, totalBytes);
    }

    @Override
    public void start(String label, long totalBytes) {
        this.label = label;
        this.total = totalBytes;
    }

    @Override
    public void advance(long bytes) {
        long d = done.addAndGet(bytes);
        long now = System.nanoTime();
        if (enabled && (now - lastDraw > 100_000_000L || d >= total)) {
            lastDraw = now;
            draw(d, now);
        }
    }

    private synchronized void draw(long d, long now) {
        double secs = Math.max((now - start) / 1e9, 1e-3);
        double rate = d / secs;
        long t = Math.max(total, 1);
        double frac = Math.min(1.0, (double) d / t);
        String eta = rate > 0 && d < t ? duration((t - d) / rate) : "";
        String stats = String.format(Locale.ROOT, " %3d%% %s/%s %s/s %s", (int) (frac * 100), bytes(d), bytes(t),
                bytes((long) rate), eta.isEmpty() ? "" : "ETA " + eta);
        String name = label.length() > 30 ? "…" + label.substring(label.length() - 29) : label;
        int width = Math.max(10, Terminal.width() - name.length() - stats.length() - 4);
        int filled = (int) (frac * width);
        out.print("\r" + name + " [" + "#".repeat(filled) + ".".repeat(width - filled) + "]" + stats + "\u001b[K");
        out.flush();
    }

    /** Clears the bar's line. */
    @Override
    public synchronized void close() {
        if (enabled) {
            out.print("\r\u001b[K");
            out.flush();
        }
    }


    /** Human-readable duration: 42s, 3m05s, 1h02m. */
    public static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }
}

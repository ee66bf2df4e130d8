package dev.sdfarm.converter.cli;

import dev.sdfarm.checkpoint.slim.Progress;
import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Progress for programs rather than people: lines {@code progress <percent> <phase>} on standard output, where
 * percent (0 to 100) is of the whole command and never goes down, and phase says which part is running. At most
 * one line per {@link #MIN_INTERVAL_NANOS}, except the final 100, so a log collector is never flooded.
 */
public final class ProgressLines {
    /** Half a second between lines. */
    public static final long MIN_INTERVAL_NANOS = 500_000_000L;

    private final PrintStream out;
    private final LongSupplier clock;
    private int lastPercent = -1;
    private String lastPhase;
    private long lastAt;

    public ProgressLines(PrintStream out, LongSupplier clock) {
        this.out = out;
        this.clock = clock;
    }

    /** Lines on {@code System.out}. */
    public static ProgressLines toStdout() {
        return new ProgressLines(System.out, System::nanoTime);
    }

    /** Reports {@code percent} of {@code phase}, if it moves forward and the last line is old enough. */
    public synchronized void report(int percent, String phase) {
        int p = Math.clamp(percent, 0, 100);
        if (p < lastPercent || (p == lastPercent && phase.equals(lastPhase))) {
            return;
        }
        long now = clock.getAsLong();
        boolean due = lastPhase == null || now - lastAt >= MIN_INTERVAL_NANOS || (p == 100 && lastPercent < 100);
        if (due) {
            out.println("progress " + p + " " + phase);
            out.flush();
            lastPercent = p;
            lastPhase = phase;
            lastAt = now;
        }
    }

    /**
     * A {@link Progress} for one phase that covers {@code from} to {@code to} percent of the whole: the bytes it is
     * told about move the percentage through that range.
     */
    public Progress phase(String phase, int from, int to) {
        report(from, phase);
        return new Progress() {
            private final AtomicLong done = new AtomicLong();
            private volatile long total;

            @Override
            public void start(String label, long totalBytes) {
                total = totalBytes;
                done.set(0);
            }

            @Override
            public void advance(long bytes) {
                long d = done.addAndGet(bytes);
                long t = total;
                if (t > 0) {
                    report(from + (int) ((to - from) * Math.min(1.0, (double) d / t)), phase);
                }
            }
        };
    }
}

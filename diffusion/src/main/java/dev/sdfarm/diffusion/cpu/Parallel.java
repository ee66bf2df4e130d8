package dev.sdfarm.diffusion.cpu;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * A parallel-for over task indices on a fixed set of threads; the calling thread works too. Tasks are handed
 * out one at a time, so uneven tasks balance themselves. Kernels never nest parallel loops.
 */
final class Parallel implements AutoCloseable {
    private final int threads;
    private final ExecutorService pool;

    Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "sdfarm-cpu");
            t.setDaemon(true);
            return t;
        });
    }

    int threads() {
        return threads;
    }

    /** Runs {@code body} for every index in {@code [0, n)}. */
    void forEach(int n, IntConsumer body) {
        int workers = Math.min(threads, n);
        if (workers <= 1) {
            for (int i = 0; i < n; i++) {
                body.accept(i);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        Runnable worker = () -> {
            for (int i; (i = next.getAndIncrement()) < n; ) {
                body.accept(i);
            }
        };
        Future<?>[] helpers = new Future<?>[workers - 1];
        for (int w = 0; w < helpers.length; w++) {
            helpers[w] = pool.submit(worker);
        }
        RuntimeException failure = null;
        try {
            worker.run();
        } catch (RuntimeException e) {
            failure = e;
            next.set(n);
        }
        for (Future<?> f : helpers) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for CPU kernels", e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Splits {@code [0, n)} into about {@code 4 × threads} contiguous ranges of at least {@code grain}. */
    void forRanges(int n, int grain, RangeBody body) {
        int chunks = Math.max(1, Math.min(threads * 4, n / Math.max(grain, 1)));
        forEach(chunks, c -> body.run((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks)));
    }

    /**
     * Work on an {@code m × n} output in column blocks of {@code nb}; when there are fewer blocks than twice the
     * threads, each block's rows are also split, in multiples of {@code rowStep}. {@code body} gets one block's
     * first column and width and its row range.
     */
    void forBlocks(int m, int n, int nb, int rowStep, BlockBody body) {
        int blocks = (n + nb - 1) / nb;
        int rowGroups = (m + rowStep - 1) / rowStep;
        int splits = Math.max(1, Math.min(rowGroups, (2 * threads + blocks - 1) / blocks));
        forEach(blocks * splits, task -> {
            int n0 = task / splits * nb;
            int s = task % splits;
            int mFrom = (int) ((long) rowGroups * s / splits) * rowStep;
            int mTo = Math.min(m, (int) ((long) rowGroups * (s + 1) / splits) * rowStep);
            body.run(n0, Math.min(nb, n - n0), mFrom, mTo);
        });
    }

    @FunctionalInterface
    interface BlockBody {
        void run(int n0, int cols, int mFrom, int mTo);
    }

    @FunctionalInterface
    interface RangeBody {
        void run(int from, int to);
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}

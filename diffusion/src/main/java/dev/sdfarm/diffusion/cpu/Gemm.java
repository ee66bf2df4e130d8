package dev.sdfarm.diffusion.cpu;

import java.util.Arrays;

/**
 * {@code C[M,N] = A[M,K] · B[K,N]}, the matrix product under linear layers, convolutions and batched matmuls.
 *
 * <p>B is packed one panel of {@code nb} columns at a time into a {@code [K][nb]} fp32 buffer (widening fp16 or
 * bf16 weights, transposing, or gathering convolution patches on the way), then a register-blocked micro-kernel
 * runs every group of {@link #MR} rows of A against the panel: per k it broadcasts one value of each row and
 * multiplies it into {@code nb} accumulator lanes. Work is split over panels, and over row ranges when there are
 * fewer panels than threads.
 */
final class Gemm {
    /** Rows of A per micro-kernel call. */
    static final int MR = 4;

    private static final ThreadLocal<float[]> PANELS = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<RowBlock> ROWS = ThreadLocal.withInitial(RowBlock::new);

    private Gemm() {
    }

    /** Where rows of A come from. */
    interface ARows {
        /** Points {@code block} at rows {@code [m0, m0 + count)} of A, each {@code k} long. */
        void rows(int m0, int count, int k, RowBlock block);
    }

    /** Packs columns {@code [n0, n0 + cols)} of B into {@code panel[k * nb + j]}, zero beyond {@code cols}. */
    interface BPanel {
        void pack(int n0, int cols, int nb, int depth, float[] panel);
    }

    /** A view of consecutive rows of A: row r starts at {@code data[offset + r * stride]}. */
    static final class RowBlock {
        float[] data;
        int offset;
        int stride;
    }

    /** The micro-kernel: {@code c[rows][cols] = a[rows][k] · panel[k][nb]}. */
    interface MicroKernel {
        int nb();

        void block(float[] a, int aOff, int lda, int rows, float[] panel, int k, float[] c, int cOff, int ldc,
                   int cols);
    }

    /**
     * Computes {@code c[cOff + m * ldc + n] = Σ_k A[m,k] B[k,n] + colBias[n] + rowBias[m]} (either bias may be null).
     */
    static void multiply(Parallel parallel, MicroKernel kernel, int m, int n, int k, ARows a, BPanel b,
                         float[] c, int cOff, int ldc, float[] colBias, float[] rowBias) {
        int nb = kernel.nb();
        parallel.forBlocks(m, n, nb, MR, (n0, cols, mFrom, mTo) -> {
            float[] panel = panel(nb * k);
            b.pack(n0, cols, nb, k, panel);
            RowBlock block = ROWS.get();
            for (int m0 = mFrom; m0 < mTo; m0 += MR) {
                int rows = Math.min(MR, mTo - m0);
                a.rows(m0, rows, k, block);
                int at = cOff + m0 * ldc + n0;
                kernel.block(block.data, block.offset, block.stride, rows, panel, k, c, at, ldc, cols);
                if (colBias != null || rowBias != null) {
                    addBias(c, at, ldc, rows, cols, colBias, n0, rowBias, m0);
                }
            }
        });
    }

    private static void addBias(float[] c, int at, int ldc, int rows, int cols, float[] colBias, int n0,
                                float[] rowBias, int m0) {
        for (int r = 0; r < rows; r++) {
            float rb = rowBias == null ? 0f : rowBias[m0 + r];
            int row = at + r * ldc;
            for (int j = 0; j < cols; j++) {
                c[row + j] += rb + (colBias == null ? 0f : colBias[n0 + j]);
            }
        }
    }

    private static float[] panel(int size) {
        float[] p = PANELS.get();
        if (p.length < size) {
            p = new float[size];
            PANELS.set(p);
        }
        return p;
    }

    /** A is fp32 values in an array with row stride {@code lda}. */
    static ARows floatRows(float[] data, int offset, int lda) {
        return (m0, count, k, block) -> {
            block.data = data;
            block.offset = offset + m0 * lda;
            block.stride = lda;
        };
    }

    /** B is fp32 values {@code [k, N]} with row stride {@code ldb}. */
    static BPanel columns(float[] data, int offset, int ldb) {
        return (n0, cols, nb, depth, panel) -> {
            for (int i = 0; i < depth; i++) {
                System.arraycopy(data, offset + i * ldb + n0, panel, i * nb, cols);
            }
            zeroTail(panel, cols, nb, depth);
        };
    }

    static void zeroTail(float[] panel, int cols, int nb, int k) {
        if (cols < nb) {
            for (int i = 0; i < k; i++) {
                Arrays.fill(panel, i * nb + cols, i * nb + nb, 0f);
            }
        }
    }

    /** The portable micro-kernel: plain loops, for JVMs without the Vector API. */
    static final class Scalar implements MicroKernel {
        static final int NB = 16;

        @Override
        public int nb() {
            return NB;
        }

        @Override
        public void block(float[] a, int aOff, int lda, int rows, float[] panel, int k, float[] c, int cOff, int ldc,
                          int cols) {
            float[] acc = new float[NB];
            for (int r = 0; r < rows; r++) {
                Arrays.fill(acc, 0f);

                int ar = aOff + r * lda;
                for (int i = 0; i < k; i++) {
                    float av = a[ar + i];
                    int p = i * NB;
                    for (int j = 0; j < NB; j++) {
                        acc[j] += av * panel[p + j];
                    }
                }
                System.arraycopy(acc, 0, c, cOff + r * ldc, cols);
            }
        }
    }
}

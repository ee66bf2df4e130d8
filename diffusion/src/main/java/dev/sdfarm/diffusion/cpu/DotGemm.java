package dev.sdfarm.diffusion.cpu;

/**
 * {@code C[M,N] = A[M,K] · B[N,K]ᵀ} for operands that both run along K: linear layers (weights {@code [out, in]})
 * and {@code q·kᵀ}. Each task widens a block of {@link #NB} rows of B into a contiguous fp32 buffer once (no
 * transposition), then computes 4×4 tiles of dot products against every row of A.
 */
final class DotGemm {
    /** Rows of B widened per task. */
    static final int NB = 16;
    private static final int TILE = 4;

    private static final ThreadLocal<float[]> BLOCKS = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<Gemm.RowBlock> ROWS = ThreadLocal.withInitial(Gemm.RowBlock::new);

    private DotGemm() {
    }

    /** Up to 4×4 dot products {@code c[r][j] = Σ_k a[r][k] b[j][k]}. */
    interface TileKernel {
        void tile(float[] a, int aOff, int lda, int rows, float[] b, int bOff, int ldb, int cols, int k, float[] c,
                  int cOff, int ldc);
    }

    /**
     * {@code c[cOff + m * ldc + n] = Σ_k A[m,k] · B[n,k] + colBias[n]}; B rows come from {@code b} viewed as
     * {@code [N, k]} from element {@code bBase}.
     */
    static void multiply(Parallel parallel, TileKernel kernel, int m, int n, int k, Gemm.ARows a, CpuTensor b,
                         long bBase, float[] c, int cOff, int ldc, float[] colBias) {
        parallel.forBlocks(m, n, NB, TILE, (n0, cols, mFrom, mTo) -> {
            float[] w = block(cols * k);
            b.decode(bBase + (long) n0 * k, w, 0, cols * k);
            Gemm.RowBlock rows = ROWS.get();
            for (int m0 = mFrom; m0 < mTo; m0 += TILE) {
                int mr = Math.min(TILE, mTo - m0);
                a.rows(m0, mr, k, rows);
                for (int j = 0; j < cols; j += TILE) {
                    int nc = Math.min(TILE, cols - j);
                    int at = cOff + m0 * ldc + n0 + j;
                    kernel.tile(rows.data, rows.offset, rows.stride, mr, w, j * k, k, nc, k, c, at, ldc);
                    if (colBias != null) {
                        for (int r = 0; r < mr; r++) {
                            for (int q = 0; q < nc; q++) {
                                c[at + r * ldc + q] += colBias[n0 + j + q];
                            }
                        }
                    }
                }
            }
        });
    }

    private static float[] block(int size) {
        float[] w = BLOCKS.get();
        if (w.length < size) {
            w = new float[size];
            BLOCKS.set(w);
        }
        return w;
    }

    /** Plain loops, for JVMs without the Vector API. */
    static final class Scalar implements TileKernel {
        @Override
        public void tile(float[] a, int aOff, int lda, int rows, float[] b, int bOff, int ldb, int cols, int k,
                         float[] c, int cOff, int ldc) {
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < cols; j++) {
                    float sum = 0f;
                    int ar = aOff + r * lda;
                    int br = bOff + j * ldb;
                    for (int i = 0; i < k; i++) {
                        sum += a[ar + i] * b[br + i];
                    }
                    c[cOff + r * ldc + j] = sum;
                }
            }
        }
    }
}

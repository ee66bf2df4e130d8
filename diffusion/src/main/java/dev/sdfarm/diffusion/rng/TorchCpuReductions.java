package dev.sdfarm.diffusion.rng;

/**
 * The float32 reductions that A1111's {@code slerp} runs, in the order PyTorch's CPU kernels add (AVX2 builds):
 * rounding depends on the order, so {@code torch.norm} and {@code Tensor.sum}/{@code mean} are reproduced
 * operation by operation rather than summed "accurately".
 */
final class TorchCpuReductions {
    /** {@code Vectorized<float>::size()} in the AVX2 build. */
    private static final int VECTOR_LANES = 8;
    /** {@code multi_row_sum}'s {@code num_levels}. */
    private static final int CASCADE_LEVELS = 4;

    private TorchCpuReductions() {
    }

    /**
     * {@code torch.norm(x, dim=1)} of a {@code [c, h, w]} tensor ({@code linalg_vector_norm} with {@code ord = 2}),
     * result {@code [c, w]}. A dimension that is not the last one goes through {@code binary_kernel_reduce} with
     * {@code NormTwoOps}: a sequential {@code acc + v * v} per output, which GCC contracts to one fused multiply-add,
     * then {@code sqrt}. With {@code w == 1} the reduced dimension is the last one and the vectorised
     * {@link #lastDimNorm} runs instead.
     */
    static float[] normOverRows(float[] x, int c, int h, int w) {
        float[] norm = new float[c * w];
        if (w == 1) {
            for (int ch = 0; ch < c; ch++) {
                norm[ch] = lastDimNorm(x, ch * h, h);
            }
            return norm;
        }
        for (int ch = 0; ch < c; ch++) {
            int plane = ch * h * w;
            for (int col = 0; col < w; col++) {
                float acc = 0f;
                for (int row = 0, at = plane + col; row < h; row++, at += w) {
                    acc = Math.fma(x[at], x[at], acc);
                }
                norm[ch * w + col] = (float) Math.sqrt(acc);
            }
        }
        return norm;
    }

    /**
     * The 2-norm of contiguous values, {@code norm_kernel_tensor_iterator_impl}'s last-dimension path: eight lane
     * accumulators over whole vectors ({@code norm_two_reduce_step}, fused by GCC), the lanes added in order, then
     * the leftover values one by one. GCC vectorises that last loop four values at a time, squaring them apart and
     * adding in order, and only the final {@code count % 4} get a fused multiply-add.
     */
    static float lastDimNorm(float[] x, int offset, int count) {
        float[] lanes = new float[VECTOR_LANES];
        int vectorEnd = count - count % VECTOR_LANES;
        for (int d = 0; d < vectorEnd; d += VECTOR_LANES) {
            for (int lane = 0; lane < VECTOR_LANES; lane++) {
                float v = x[offset + d + lane];
                lanes[lane] = Math.fma(v, v, lanes[lane]);
            }
        }
        float acc = lanes[0];
        for (int lane = 1; lane < VECTOR_LANES; lane++) {
            acc = acc + lanes[lane];
        }
        int squaredApart = vectorEnd + (count - vectorEnd) / 4 * 4;
        for (int d = vectorEnd; d < squaredApart; d++) {
            float v = x[offset + d];
            acc += v * v;
        }
        for (int d = squaredApart; d < count; d++) {
            float v = x[offset + d];
            acc = Math.fma(v, v, acc);
        }
        return (float) Math.sqrt(acc);
    }

    /**
     * {@code x.sum(1)} of a {@code [c, h, w]} tensor. Each output sums one column, but {@code cascade_sum} picks
     * the summation by layout. With {@code w >= 8} the kept dimension is the contiguous one and
     * {@code vectorized_outer_sum} runs: columns in groups of four vectors ({@code multi_row_sum}, 32 columns) get a
     * plain {@link #cascadeSum}, the columns after the last group (a vector at a time, then one by one) go through
     * {@code row_sum} ({@link #rowSum}). With {@code 1 < w < 8}, {@code scalar_outer_sum} does the same with groups
     * of four columns. With {@code w == 1} the reduced dimension itself is contiguous: {@link #innerSum}.
     * Result is {@code [c, w]}.
     */
    static float[] sumOverRows(float[] x, int c, int h, int w) {
        float[] sum = new float[c * w];
        if (w == 1) {
            for (int ch = 0; ch < c; ch++) {
                sum[ch] = innerSum(x, ch * h, h);
            }
            return sum;
        }
        int group = w >= VECTOR_LANES ? 4 * VECTOR_LANES : 4;
        int cascadedColumns = w / group * group;
        for (int ch = 0; ch < c; ch++) {
            for (int col = 0; col < w; col++) {
                int start = ch * h * w + col;
                sum[ch * w + col] = col < cascadedColumns ? cascadeSum(x, start, w, h) : rowSum(x, start, w, h);
            }
        }
        return sum;
    }

    /** {@code x.mean()} of a contiguous tensor: {@link #innerSum} divided by the element count. */
    static float mean(float[] x, int offset, int count) {
        return innerSum(x, offset, count) / count;
    }

    /**
     * The sum of contiguous values: {@code vectorized_inner_sum} (a {@link #rowSum} per vector lane over the whole
     * vectors, then the leftover values one by one, then the lanes in order), or for fewer values than a vector
     * {@code scalar_inner_sum} (one {@link #rowSum}).
     */
    static float innerSum(float[] x, int offset, int count) {
        if (count < VECTOR_LANES) {
            return rowSum(x, offset, 1, count);
        }
        int vectors = count / VECTOR_LANES;
        float[] lanes = new float[VECTOR_LANES];
        for (int lane = 0; lane < VECTOR_LANES; lane++) {
            lanes[lane] = rowSum(x, offset + lane, VECTOR_LANES, vectors);
        }
        float total = 0f;
        for (int k = vectors * VECTOR_LANES; k < count; k++) {
            total += x[offset + k];
        }
        for (float lane : lanes) {
            total += lane;
        }
        return total;
    }

    /**
     * One accumulator column of {@code multi_row_sum} ({@code ATen/native/cpu/SumKernel.cpp}): four levels; level 0
     * takes {@code 2^p} values at a time ({@code p = max(4, ceil(log2 n) / 4)}), then carries up into level 1, 2, 3
     * until the running index is not a multiple of the next level's span; leftovers go to level 0; finally levels
     * 1, 2 and 3 are added to level 0 in that order.
     */
    static float cascadeSum(float[] x, int start, int stride, int n) {
        int levelPower = Math.max(4, ceilLog2(n) / CASCADE_LEVELS);
        int levelStep = 1 << levelPower;
        long levelMask = levelStep - 1L;
        float[] acc = new float[CASCADE_LEVELS];
        int i = 0;
        while (i + levelStep <= n) {
            for (int j = 0; j < levelStep; j++, i++) {
                acc[0] += x[start + i * stride];
            }
            for (int level = 1; level < CASCADE_LEVELS; level++) {
                acc[level] += acc[level - 1];
                acc[level - 1] = 0f;
                if ((i & (levelMask << (level * levelPower))) != 0) {
                    break;
                }
            }
        }
        for (; i < n; i++) {
            acc[0] += x[start + i * stride];
        }
        for (int level = 1; level < CASCADE_LEVELS; level++) {
            acc[0] += acc[level];
        }
        return acc[0];
    }

    /**
     * {@code row_sum}: the values are read as rows of four ({@code ilp_factor}), each of the four columns gets a
     * {@link #cascadeSum}, leftover values go to the first, then the other three are added to it in order.
     */
    static float rowSum(float[] x, int start, int stride, int n) {
        int rows = n / 4;
        float total = cascadeSum(x, start, 4 * stride, rows);
        float second = cascadeSum(x, start + stride, 4 * stride, rows);
        float third = cascadeSum(x, start + 2 * stride, 4 * stride, rows);
        float fourth = cascadeSum(x, start + 3 * stride, 4 * stride, rows);
        for (int i = rows * 4; i < n; i++) {
            total += x[start + i * stride];
        }
        total += second;
        total += third;
        total += fourth;
        return total;
    }

    /** {@code at::native::utils::CeilLog2}: 1 for n <= 2. */
    private static int ceilLog2(long n) {
        return n <= 2 ? 1 : 64 - Long.numberOfLeadingZeros(n - 1);
    }
}

package dev.sdfarm.diffusion.cpu;

/**
 * 2-D convolution as a matrix product without an im2col buffer: {@code out[cout, oh·ow] = W[cout, cin·kh·kw] ·
 * patches[cin·kh·kw, oh·ow]}, where each panel of patch columns is gathered straight from the input image
 * (zero outside it) while packing. Padding is given per side, so a pad on one side only (the VAE encoder's
 * right/bottom pad before its stride-2 convolution) costs nothing extra.
 */
final class Conv2d {
    private Conv2d() {
    }

    static float[] run(Parallel parallel, Gemm.MicroKernel kernel, float[] x, int n, int cin, int h, int w,
                       CpuTensor weight, float[] bias, int stride, int padTop, int padLeft, int padBottom,
                       int padRight) {
        int cout = weight.shape().dim(0);
        int kh = weight.shape().dim(2);
        int kw = weight.shape().dim(3);
        int oh = outputSize(h, kh, stride, padTop, padBottom);
        int ow = outputSize(w, kw, stride, padLeft, padRight);
        if (oh <= 0 || ow <= 0) {
            throw new IllegalArgumentException("conv2d kernel " + kh + "x" + kw + " does not fit input " + h + "x" + w);
        }
        int k = cin * kh * kw;
        int spatial = oh * ow;
        float[] out = new float[n * cout * spatial];
        // Widened once per call: every panel of output pixels reads all of them.
        Gemm.ARows weights = Gemm.floatRows(weight.floats(), 0, k);
        for (int b = 0; b < n; b++) {
            int image = b * cin * h * w;
            Gemm.BPanel patches = (n0, cols, nb, depth, panel) -> {
                for (int kk = 0; kk < depth; kk++) {
                    int ci = kk / (kh * kw);
                    int ky = kk / kw % kh;
                    int kx = kk % kw;
                    int row = kk * nb;
                    int plane = image + ci * h * w;
                    for (int j = 0; j < cols; j++) {
                        int o = n0 + j;
                        int iy = (o / ow) * stride + ky - padTop;
                        int ix = (o % ow) * stride + kx - padLeft;
                        panel[row + j] = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[plane + iy * w + ix] : 0f;
                    }
                }
                Gemm.zeroTail(panel, cols, nb, depth);
            };
            Gemm.multiply(parallel, kernel, cout, spatial, k, weights, patches, out, b * cout * spatial, spatial,
                    null, bias);
        }
        return out;
    }

    /** Output length along one axis: {@code (size + padBefore + padAfter - kernel) / stride + 1}, as torch floors it. */
    static int outputSize(int size, int kernel, int stride, int padBefore, int padAfter) {
        int padded = size + padBefore + padAfter - kernel;
        return padded < 0 ? 0 : padded / stride + 1;
    }
}

package dev.sdfarm.diffusion.sample;

/**
 * The model as k-diffusion's samplers call it: {@code model(x, sigma) -> denoised}.
 *
 * <p>{@code x} holds the whole batch, image after image ({@code [batch * n]} floats), and every image is at the same
 * noise level {@code sigma} (k-diffusion passes {@code sigma * s_in}). The caller wraps the UNet, classifier-free
 * guidance and the eps-to-denoised conversion ({@code x + eps * -sigma}, with {@code c_in = 1 / sqrt(sigma^2 + 1)}),
 * so samplers never see the UNet. Implementations must not modify {@code x} and return a new array of its length.
 */
@FunctionalInterface
public interface Denoiser {
    float[] denoise(float[] x, float sigma);
}

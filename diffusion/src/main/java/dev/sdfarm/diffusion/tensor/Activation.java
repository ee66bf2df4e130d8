package dev.sdfarm.diffusion.tensor;

/** Pointwise non-linearities used by the SD graphs. */
public enum Activation {
    /** {@code x * Φ(x)} with the exact error function, as {@code torch.nn.functional.gelu}. */
    GELU,
    /** {@code x * sigmoid(1.702 x)}, OpenAI CLIP's approximation (CLIP ViT-L/14 text encoder). */
    QUICK_GELU,
    /** {@code x * sigmoid(x)} (a.k.a. swish), in the UNet and VAE resnet blocks. */
    SILU
}

package dev.sdfarm.diffusion.pipeline;

import dev.sdfarm.diffusion.image.Raster;

/**
 * One image of a render: the final latent ({@code [4, h/8, w/8]}), the decoded image in [-1, 1]
 * ({@code [3, h, w]}), its 8-bit pixels, the seed it was drawn with and A1111's infotext for it.
 */
public record RenderedImage(float[] latent, float[] decoded, Raster pixels, long seed, String infotext) {
}

/**
 * Noise that matches {@code torch.randn} bit for bit: the CPU generator (mt19937) and the CUDA Philox source
 * that AUTOMATIC1111 uses by default, plus A1111's seed rules (random seed, seed per image, subseed variation).
 */
package dev.sdfarm.diffusion.rng;

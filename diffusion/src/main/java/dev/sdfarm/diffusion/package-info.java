/**
 * The diffusion engine: turns prompts into conditioning and seeds into noise (and, later, noise into images)
 * exactly as the tools our users know do it.
 *
 * <ul>
 *   <li>{@link dev.sdfarm.diffusion.tensor} - tensors and the {@code Backend} SPI the graphs are written against</li>
 *   <li>{@link dev.sdfarm.diffusion.cpu} - the CPU backend (Vector API kernels over memory-mapped weights)</li>
 *   <li>{@link dev.sdfarm.diffusion.text} - CLIP BPE tokenizer, AUTOMATIC1111 prompt syntax and chunking</li>
 *   <li>{@link dev.sdfarm.diffusion.clip} - the CLIP text encoder and prompt conditioning</li>
 *   <li>{@link dev.sdfarm.diffusion.rng} - torch-compatible noise (CPU mt19937 and CUDA Philox) and seed rules</li>
 * </ul>
 */
package dev.sdfarm.diffusion;

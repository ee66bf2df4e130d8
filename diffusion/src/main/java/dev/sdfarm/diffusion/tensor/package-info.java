/**
 * The contract between graphs and hardware: {@link dev.sdfarm.diffusion.tensor.Tensor} (shape and dtype of memory
 * owned by one backend), {@link dev.sdfarm.diffusion.tensor.Shape}, and the
 * {@link dev.sdfarm.diffusion.tensor.Backend} SPI of operations (matmul, conv2d, norms, softmax, attention,
 * activations, broadcasting elementwise ops, upsampling). Graphs are written once against it; the CPU backend
 * lives in {@code dev.sdfarm.diffusion.cpu}, the CUDA one in the {@code diffusion-cuda} module.
 */
package dev.sdfarm.diffusion.tensor;

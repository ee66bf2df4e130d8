/**
 * The CPU {@link dev.sdfarm.diffusion.tensor.Backend}: {@link dev.sdfarm.diffusion.cpu.CpuBackend}. Weights are
 * views of the memory-mapped checkpoint (one small class per storage type widens fp16/bf16 rows to fp32 on
 * demand); matrix products use a packed outer-product micro-kernel (convolutions, plain matmuls) or 4×4 tiles
 * of dot products (linear layers, {@code q·kᵀ}), both register-blocked with the Vector API, with plain-loop
 * fallbacks when the JVM lacks {@code jdk.incubator.vector}; work is spread by a parallel-for over rows.
 */
package dev.sdfarm.diffusion.cpu;

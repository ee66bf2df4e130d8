/**
 * Prompt text to token ids: the CLIP BPE tokenizer (vocabulary shipped as a resource with OpenAI's MIT
 * license) and AUTOMATIC1111's prompt syntax - attention weights, {@code BREAK}, 75-token chunks with comma
 * backtracking, and extra-network tags such as {@code <lora:name:0.8>}.
 */
package dev.sdfarm.diffusion.text;

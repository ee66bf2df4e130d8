/**
 * Prompt to conditioning for SD1.x: {@link dev.sdfarm.diffusion.clip.ClipTextEncoder}, the CLIP ViT-L/14 text
 * transformer read from a checkpoint's {@code cond_stage_model.transformer.*} weights, with A1111's clip skip.
 */
package dev.sdfarm.diffusion.clip;

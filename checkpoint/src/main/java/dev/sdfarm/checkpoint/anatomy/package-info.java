/**
 * Model anatomy: the exact tensors of the Stable Diffusion architectures, and what a given checkpoint is.
 *
 * <h2>Layouts</h2>
 * Configs generate the state-dict keys and shapes of each network, following the upstream constructors:
 * {@link dev.sdfarm.checkpoint.anatomy.UNetConfig} (LDM/sgm {@code UNetModel}),
 * {@link dev.sdfarm.checkpoint.anatomy.ClipTextConfig} (Hugging Face {@code CLIPTextModel}),
 * {@link dev.sdfarm.checkpoint.anatomy.OpenClipTextConfig} (OpenCLIP text transformer),
 * {@link dev.sdfarm.checkpoint.anatomy.AutoencoderConfig} (LDM {@code AutoencoderKL}) and
 * {@link dev.sdfarm.checkpoint.anatomy.ScheduleBuffers}. Each yields a
 * {@link dev.sdfarm.checkpoint.anatomy.TensorLayout} of {@link dev.sdfarm.checkpoint.anatomy.TensorSpec}s.
 * {@link dev.sdfarm.checkpoint.anatomy.ArchitecturePreset} assembles them under the LDM/A1111 key prefixes
 * ({@link dev.sdfarm.checkpoint.anatomy.CheckpointKeys}) for SD1.5, SD1.5 inpainting, SD2.x 512/768, SD2.x
 * inpainting, SDXL base and refiner, and a tiny SD1-shaped test network. The layouts are checked in the tests
 * against {@code state_dict()} dumps of the upstream PyTorch code (see
 * {@code checkpoint/src/test/fixtures/anatomy/README.md}).
 *
 * <h2>Anatomy</h2>
 * A {@link dev.sdfarm.checkpoint.anatomy.CheckpointListing} (tensor names, dtypes, shapes and the names of
 * non-tensor entries; no file access) goes into {@link dev.sdfarm.checkpoint.anatomy.ModelAnatomy#of}, which
 * detects the {@link dev.sdfarm.checkpoint.anatomy.ModelFamily} with evidence
 * ({@link dev.sdfarm.checkpoint.anatomy.ModelFamilyDetector}, {@link dev.sdfarm.checkpoint.anatomy.ModelDescription}),
 * picks the matching preset, and answers per key: {@link dev.sdfarm.checkpoint.anatomy.Component},
 * junk ({@link dev.sdfarm.checkpoint.anatomy.JunkKeys}) and known/unknown. Key conventions live in
 * {@link dev.sdfarm.checkpoint.anatomy.EmaKeys} (UNet key to {@code model_ema.} twin) and
 * {@link dev.sdfarm.checkpoint.anatomy.LegacyTextEncoderKeys} (old text-encoder names to current ones).
 */
package dev.sdfarm.checkpoint.anatomy;

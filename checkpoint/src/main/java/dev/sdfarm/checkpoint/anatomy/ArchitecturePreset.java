package dev.sdfarm.checkpoint.anatomy;

import dev.sdfarm.checkpoint.DType;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A published model architecture as its checkpoints store it: the UNet, the text encoder(s) under their
 * prefixes, the VAE and the schedule buffers, each generated from the upstream inference config.
 *
 * @param id           stable identifier, e.g. {@code sd15}
 * @param displayName  human name
 * @param family       the family {@link ModelFamilyDetector} reports for such a checkpoint
 * @param prediction   what the UNet predicts; not visible in the keys (SD2 512 and 768 share one layout)
 * @param unet         UNet config
 * @param textEncoders text encoders with the key prefix each lives under, in embedder order
 * @param vae          VAE config
 * @param schedule     schedule buffers stored beside the networks
 */
public record ArchitecturePreset(
        String id,
        String displayName,
        ModelFamily family,
        Prediction prediction,
        UNetConfig unet,
        List<MountedTextEncoder> textEncoders,
        AutoencoderConfig vae,
        TensorLayout schedule) {

    /** The UNet's training target, which samplers must know. */
    public enum Prediction { EPSILON, V }

    /** A text encoder and the checkpoint key prefix its state dict sits under. */
    public record MountedTextEncoder(String prefix, TextEncoderConfig config) {
        public TensorLayout layout() {
            return config.layout().withPrefix(prefix);
        }
    }

    private static final List<Integer> SD_MULT = List.of(1, 2, 4, 4);
    private static final Set<Integer> SD_ATTENTION = Set.of(4, 2, 1);

    private static final UNetConfig SD1_UNET = new UNetConfig(4, 4, 320, SD_MULT, 2, SD_ATTENTION, 8, 0,
            UNetConfig.depthPerLevel(1, 4), 768, false, 0);
    private static final UNetConfig SD2_UNET = new UNetConfig(4, 4, 320, SD_MULT, 2, SD_ATTENTION, 0, 64,
            UNetConfig.depthPerLevel(1, 4), 1024, true, 0);

    /** Stable Diffusion 1.5 (v1-inference.yaml); SD 1.1-1.4 share it. */
    public static final ArchitecturePreset SD15 = new ArchitecturePreset("sd15", "Stable Diffusion 1.5",
            ModelFamily.SD1, Prediction.EPSILON, SD1_UNET,
            List.of(new MountedTextEncoder(CheckpointKeys.SD1_TEXT_ENCODER, ClipTextConfig.vitL14())),
            AutoencoderConfig.stableDiffusion(), ScheduleBuffers.ldm(ScheduleBuffers.TIMESTEPS));

    /** Stable Diffusion 1.5 inpainting (v1-inpainting-inference.yaml): 9 UNet input channels. */
    public static final ArchitecturePreset SD15_INPAINTING = new ArchitecturePreset("sd15-inpainting",
            "Stable Diffusion 1.5 inpainting", ModelFamily.SD1_INPAINTING, Prediction.EPSILON,
            SD1_UNET.withInChannels(9), SD15.textEncoders(), SD15.vae(), SD15.schedule());

    /** Stable Diffusion 2.x base, 512 px, epsilon prediction (v2-inference.yaml). */
    public static final ArchitecturePreset SD2_512 = new ArchitecturePreset("sd2-512",
            "Stable Diffusion 2.x (512, epsilon)", ModelFamily.SD2, Prediction.EPSILON, SD2_UNET,
            List.of(new MountedTextEncoder(CheckpointKeys.SD2_TEXT_ENCODER, OpenClipTextConfig.vitH14())),
            AutoencoderConfig.stableDiffusion(), ScheduleBuffers.ldm(ScheduleBuffers.TIMESTEPS));

    /** Stable Diffusion 2.x, 768 px, v prediction (v2-inference-v.yaml); same tensors as {@link #SD2_512}. */
    public static final ArchitecturePreset SD2_768 = new ArchitecturePreset("sd2-768",
            "Stable Diffusion 2.x (768, v-prediction)", ModelFamily.SD2, Prediction.V, SD2_UNET,
            SD2_512.textEncoders(), SD2_512.vae(), SD2_512.schedule());

    /** Stable Diffusion 2.x inpainting (v2-inpainting-inference.yaml). */
    public static final ArchitecturePreset SD2_INPAINTING = new ArchitecturePreset("sd2-inpainting",
            "Stable Diffusion 2.x inpainting", ModelFamily.SD2_INPAINTING, Prediction.EPSILON,
            SD2_UNET.withInChannels(9), SD2_512.textEncoders(), SD2_512.vae(), SD2_512.schedule());

    /** SDXL 1.0 base (sd_xl_base.yaml): CLIP ViT-L and OpenCLIP bigG, size conditioning in label_emb. */
    public static final ArchitecturePreset SDXL_BASE = new ArchitecturePreset("sdxl-base", "SDXL 1.0 base",
            ModelFamily.SDXL_BASE, Prediction.EPSILON,
            new UNetConfig(4, 4, 320, List.of(1, 2, 4), 2, Set.of(4, 2), 0, 64, List.of(1, 2, 10), 2048, true, 2816),
            List.of(new MountedTextEncoder(CheckpointKeys.sgmClipEmbedder(0), ClipTextConfig.vitL14()),
                    new MountedTextEncoder(CheckpointKeys.sgmOpenClipEmbedder(1), OpenClipTextConfig.vitBigG14())),
            AutoencoderConfig.stableDiffusion(), ScheduleBuffers.sgm(ScheduleBuffers.TIMESTEPS));

    /** SDXL 1.0 refiner (sd_xl_refiner.yaml): OpenCLIP bigG only, aesthetic-score conditioning. */
    public static final ArchitecturePreset SDXL_REFINER = new ArchitecturePreset("sdxl-refiner",
            "SDXL 1.0 refiner", ModelFamily.SDXL_REFINER, Prediction.EPSILON,
            new UNetConfig(4, 4, 384, SD_MULT, 2, Set.of(4, 2), 0, 64, UNetConfig.depthPerLevel(4, 4), 1280, true,
                    2560),
            List.of(new MountedTextEncoder(CheckpointKeys.sgmOpenClipEmbedder(0), OpenClipTextConfig.vitBigG14())),
            AutoencoderConfig.stableDiffusion(), ScheduleBuffers.sgm(ScheduleBuffers.TIMESTEPS));

    /**
     * A small SD1 network for tests: exactly the SD1.5 key set (same levels, blocks, layers and buffers) with
     * small widths — UNet 32 channels with 8 heads of 4, CLIP 64 wide with 4 heads and the full 49408-token
     * vocabulary and 12 layers, VAE 32 channels — so every GroupNorm still has 32 groups and every head
     * count divides its width. About 17.6 M parameters.
     */
    public static final ArchitecturePreset TINY_SD1 = new ArchitecturePreset("tiny-sd1", "Tiny SD1 (test network)",
            ModelFamily.SD1, Prediction.EPSILON,
            new UNetConfig(4, 4, 32, SD_MULT, 2, SD_ATTENTION, 8, 0, UNetConfig.depthPerLevel(1, 4), 64, false, 0),
            List.of(new MountedTextEncoder(CheckpointKeys.SD1_TEXT_ENCODER,
                    new ClipTextConfig(49408, 64, 256, 12, 4, 77, true))),
            new AutoencoderConfig(3, 3, 32, SD_MULT, 2, 4, 4, true),
            ScheduleBuffers.ldm(ScheduleBuffers.TIMESTEPS));

    /**
     * {@link #TINY_SD1} as an inpainting model, the small twin of {@link #SD15_INPAINTING}: the same tensors with 9
     * UNet input channels (latent, mask, masked-image latent) in {@code input_blocks.0.0.weight}.
     */
    public static final ArchitecturePreset TINY_SD1_INPAINTING = new ArchitecturePreset("tiny-sd1-inpainting",
            "Tiny SD1 inpainting (test network)", ModelFamily.SD1_INPAINTING, Prediction.EPSILON,
            TINY_SD1.unet().withInChannels(9), TINY_SD1.textEncoders(), TINY_SD1.vae(), TINY_SD1.schedule());

    private static final List<ArchitecturePreset> ALL = List.of(SD15, SD15_INPAINTING, SD2_512, SD2_768,
            SD2_INPAINTING, SDXL_BASE, SDXL_REFINER, TINY_SD1, TINY_SD1_INPAINTING);

    public ArchitecturePreset {
        textEncoders = List.copyOf(textEncoders);
    }

    /** Every preset, published ones first. */
    public static List<ArchitecturePreset> all() {
        return ALL;
    }

    public static Optional<ArchitecturePreset> byId(String id) {
        return ALL.stream().filter(p -> p.id.equals(id)).findFirst();
    }

    /** The presets whose checkpoints are of {@code family}, most common first. */
    public static List<ArchitecturePreset> forFamily(ModelFamily family) {
        return ALL.stream().filter(p -> p.family == family).toList();
    }

    /** UNet tensors under {@code model.diffusion_model.}. */
    public TensorLayout unetLayout() {
        return unet.layout().withPrefix(CheckpointKeys.UNET);
    }

    /** All text encoder tensors under their prefixes. */
    public TensorLayout textEncoderLayout() {
        TensorLayout[] parts = textEncoders.stream().map(MountedTextEncoder::layout).toArray(TensorLayout[]::new);
        return TensorLayout.concat(parts);
    }

    /** VAE tensors under {@code first_stage_model.}. */
    public TensorLayout vaeLayout() {
        return vae.layout().withPrefix(CheckpointKeys.VAE);
    }

    /** The checkpoint without EMA: UNet, text encoder(s), VAE, schedule buffers. */
    public TensorLayout layout() {
        return TensorLayout.concat(unetLayout(), textEncoderLayout(), vaeLayout(), schedule);
    }

    /** LitEma's twin of every UNet tensor plus its decay and update counter. */
    public TensorLayout emaLayout() {
        TensorLayout.Builder b = TensorLayout.builder();
        b.add(EmaKeys.DECAY);
        b.addBuffer(EmaKeys.NUM_UPDATES, DType.I32);
        for (TensorSpec s : unetLayout().specs()) {
            b.add(s.withKey(EmaKeys.emaKeyFor(s.key())));
        }
        return b.build();
    }

    /** The checkpoint as training saves it, with the EMA copy of the UNet. */
    public TensorLayout layoutWithEma() {
        return TensorLayout.concat(layout(), emaLayout());
    }

    /** Width of the text conditioning the UNet reads. */
    public int contextDim() {
        return unet.contextDim();
    }
}

package dev.sdfarm.diffusion.pipeline;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.diffusion.clip.ClipTextEncoder;
import dev.sdfarm.diffusion.clip.PromptConditioner;
import dev.sdfarm.diffusion.sample.DiscreteSchedule;
import dev.sdfarm.diffusion.tensor.Backend;
import dev.sdfarm.diffusion.text.ClipTokenizer;
import dev.sdfarm.diffusion.text.PromptChunker;
import dev.sdfarm.diffusion.unet.UNet;
import dev.sdfarm.diffusion.vae.VaeDecoder;
import dev.sdfarm.diffusion.vae.VaeEncoder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * An SD1.x checkpoint ready to render on one backend: its text encoder, UNet, VAE decoder and encoder, and noise
 * schedule (the checkpoint's own {@code alphas_cumprod}, or SD1's linear-beta schedule when it has none). The
 * checkpoint must stay open while the model is used.
 *
 * @param name      the model's name for infotexts (A1111 writes the file name without extension)
 * @param shortHash the first 10 hex digits of the file's sha256 (A1111's "Model hash")
 */
public record StableDiffusion(Backend backend, PromptConditioner conditioner, UNet unet, VaeDecoder vae,
                              VaeEncoder vaeEncoder, DiscreteSchedule schedule, String name, String shortHash) {

    /** Loads every component of {@code checkpoint}; fails with a ModelLoadException naming what is missing. */
    public static StableDiffusion load(Backend backend, Checkpoint checkpoint, String name, String sha256)
            throws IOException {
        PromptConditioner conditioner = new PromptConditioner(new PromptChunker(ClipTokenizer.load()),
                ClipTextEncoder.load(backend, checkpoint));
        DiscreteSchedule schedule = alphasCumprod(checkpoint).map(DiscreteSchedule::fromAlphasCumprod)
                .orElseGet(DiscreteSchedule::sd1);
        return new StableDiffusion(backend, conditioner, UNet.load(backend, checkpoint),
                VaeDecoder.load(backend, checkpoint), VaeEncoder.load(backend, checkpoint), schedule, name,
                sha256.substring(0, 10));
    }

    /**
     * Whether the UNet is an inpainting model's (SD1.x inpainting: 9 input channels), which takes A1111's
     * conditioning image concatenated to the latent ({@link Txt2Img#imageConditioning}).
     */
    public boolean inpainting() {
        return unet.config().inChannels() == Txt2Img.LATENT_CHANNELS + Txt2Img.INPAINTING_CONDITIONING_CHANNELS;
    }

    private static Optional<float[]> alphasCumprod(Checkpoint checkpoint) throws IOException {
        Optional<StoredTensor> t = checkpoint.tensor("alphas_cumprod");
        if (t.isEmpty() || t.get().dtype() != DType.F32 || t.get().rank() != 1) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(checkpoint.readAll(t.get())).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return Optional.of(out);
    }
}

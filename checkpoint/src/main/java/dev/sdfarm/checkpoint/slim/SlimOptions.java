package dev.sdfarm.checkpoint.slim;

import dev.sdfarm.checkpoint.CheckpointFormat;
import dev.sdfarm.checkpoint.DType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything a conversion is asked to do.
 *
 * @param format        output container format
 * @param precision     target dtype for converted components, or null to keep dtypes
 * @param ema           EMA handling
 * @param unet          UNet op (EMA weights that are kept follow it too)
 * @param textEncoder   text-encoder op
 * @param vae           VAE op
 * @param other         op for everything else; sampling-schedule buffers and EMA bookkeeping are always kept
 *                      as they are, since they are tiny and precision-sensitive
 * @param bakeVae       a VAE file whose weights replace the checkpoint's, or null
 * @param fixClip       repair CLIP position ids and rename old text-encoder keys
 * @param dropJunk      drop training state and known leftovers
 * @param keepOnlyKnown keep only tensors of the recognised architecture
 * @param metadata      extra {@code __metadata__} entries for the output
 */
public record SlimOptions(
        CheckpointFormat format,
        DType precision,
        EmaMode ema,
        ComponentOp unet,
        ComponentOp textEncoder,
        ComponentOp vae,
        ComponentOp other,
        Path bakeVae,
        boolean fixClip,
        boolean dropJunk,
        boolean keepOnlyKnown,
        Map<String, String> metadata) {

    public SlimOptions {
        metadata = Map.copyOf(metadata);
        if (precision != null && !precision.isFloatingPoint()) {
            throw new IllegalArgumentException("precision must be a floating-point dtype");
        }
    }

    /** Keep everything as it is, only change the container format. */
    public static SlimOptions defaults(CheckpointFormat format) {
        return new SlimOptions(format, null, EmaMode.KEEP, ComponentOp.CONVERT, ComponentOp.CONVERT,
                ComponentOp.CONVERT, ComponentOp.CONVERT, null, false, false, false, Map.of());
    }

    public SlimOptions withPrecision(DType p) {
        return new SlimOptions(format, p, ema, unet, textEncoder, vae, other, bakeVae, fixClip, dropJunk,
                keepOnlyKnown, metadata);
    }

    public SlimOptions withEma(EmaMode e) {
        return new SlimOptions(format, precision, e, unet, textEncoder, vae, other, bakeVae, fixClip, dropJunk,
                keepOnlyKnown, metadata);
    }

    public SlimOptions withFormat(CheckpointFormat f) {
        return new SlimOptions(f, precision, ema, unet, textEncoder, vae, other, bakeVae, fixClip, dropJunk,
                keepOnlyKnown, metadata);
    }

    /** The same options with these component ops. */
    public SlimOptions withComponents(ComponentOp u, ComponentOp t, ComponentOp v, ComponentOp o) {
        return new SlimOptions(format, precision, ema, u, t, v, o, bakeVae, fixClip, dropJunk, keepOnlyKnown,
                metadata);
    }

    public SlimOptions withBakeVae(Path vaeFile) {
        return new SlimOptions(format, precision, ema, unet, textEncoder, vae, other, vaeFile, fixClip, dropJunk,
                keepOnlyKnown, metadata);
    }

    /** The same options with these switches ({@code --fix-clip}, {@code --drop-junk}, {@code --keep-only-known}). */
    public SlimOptions withSwitches(boolean clip, boolean junk, boolean knownOnly) {
        return new SlimOptions(format, precision, ema, unet, textEncoder, vae, other, bakeVae, clip, junk, knownOnly,
                metadata);
    }

    /**
     * A canonical, deterministic description of the operations, recorded as provenance and compared by
     * {@code bulk} to decide whether an existing output is up to date. The baked VAE is identified by its
     * sha256, which the caller supplies (file paths are not part of it).
     */
    public String operations(String bakeVaeSha256) {
        List<String> ops = new ArrayList<>();
        ops.add("format=" + format.extension());
        ops.add("precision=" + (precision == null ? "keep" : precision.displayName()));
        ops.add("ema=" + ema.id());
        ops.add("unet=" + unet.id());
        ops.add("text-encoder=" + textEncoder.id());
        ops.add("vae=" + vae.id());
        ops.add("other=" + other.id());
        if (bakeVae != null) {
            ops.add("bake-vae=" + bakeVaeSha256);
        }
        if (fixClip) {
            ops.add("fix-clip");
        }
        if (dropJunk) {
            ops.add("drop-junk");
        }
        if (keepOnlyKnown) {
            ops.add("keep-only-known");
        }
        if (!metadata.isEmpty()) {
            ops.add("metadata=" + new TreeMap<>(metadata));
        }
        return String.join(" ", ops);
    }
}

package dev.sdfarm.converter.cli;

import dev.sdfarm.checkpoint.CheckpointFormat;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.slim.ComponentOp;
import dev.sdfarm.checkpoint.slim.EmaMode;
import dev.sdfarm.checkpoint.slim.SlimOptions;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/** The conversion options {@code convert} and {@code bulk} share. */
public class SlimOptionsMixin {
    @Option(names = "--format", paramLabel = "safetensors|ckpt",
            description = "Output format. Default: from the output's extension (convert, convert-object) or "
                    + "safetensors (bulk).")
    String format;

    @Option(names = "--precision", paramLabel = "fp16|bf16|fp32|fp8-e4m3fn|fp8-e5m2",
            description = "Cast floating-point tensors of converted components. Default: keep dtypes.")
    String precision;

    @Option(names = "--ema", paramLabel = "keep|drop|only", defaultValue = "keep",
            description = "EMA weights: keep them, drop model_ema.*, or replace the UNet by its EMA twins. Default: ${DEFAULT-VALUE}.")
    String ema;

    @Option(names = "--unet", paramLabel = "convert|copy|delete", defaultValue = "convert",
            description = "UNet (and kept EMA weights). Default: ${DEFAULT-VALUE}.")
    String unet;

    @Option(names = "--text-encoder", paramLabel = "convert|copy|delete", defaultValue = "convert",
            description = "Text encoder(s). Default: ${DEFAULT-VALUE}.")
    String textEncoder;

    @Option(names = "--vae", paramLabel = "convert|copy|delete", defaultValue = "convert",
            description = "VAE. Default: ${DEFAULT-VALUE}.")
    String vae;

    @Option(names = "--other", paramLabel = "convert|copy|delete", defaultValue = "convert",
            description = "Everything else. Schedule buffers and EMA bookkeeping always keep their dtype. Default: ${DEFAULT-VALUE}.")
    String other;

    @Option(names = "--bake-vae", paramLabel = "VAE",
            description = "Replace the checkpoint's VAE by this one (.pt/.ckpt/.safetensors, keys with or without "
                    + "first_stage_model.): a file, or for convert-object a key in the store.")
    String bakeVae;

    @Option(names = "--fix-clip", description = "Store CLIP position_ids as int64 0..76 and rename old NovelAI text-encoder keys.")
    boolean fixClip;

    @Option(names = "--drop-junk", description = "Drop training state (optimizer, callbacks, ...) and known leftovers in the state dict.")
    boolean dropJunk;

    @Option(names = "--keep-only-known", description = "Keep only tensors that belong to the recognised architecture.")
    boolean keepOnlyKnown;

    @Option(names = "--metadata", paramLabel = "KEY=VALUE", description = "Add a metadata entry (repeatable).")
    List<String> metadata = List.of();

    /** The options as the library wants them, for output format {@code outFormat} when none was given. */
    public SlimOptions toSlimOptions(CheckpointFormat outFormat) {
        return new SlimOptions(
                outFormat,
                precision == null ? null : precision(precision),
                EmaMode.valueOf(choice("--ema", ema, "keep", "drop", "only")),
                op("--unet", unet), op("--text-encoder", textEncoder), op("--vae", vae), op("--other", other),
                bakeVae == null ? null : Path.of(bakeVae), fixClip, dropJunk, keepOnlyKnown, metadata());
    }

    /**
     * The options for an output named {@code outputName} (a file or a store key): the format is {@code --format}
     * or else the name's extension; a usage error when neither says.
     */
    public SlimOptions toSlimOptionsFor(String outputName) {
        CheckpointFormat format = explicitFormat();
        if (format == null) {
            format = formatOf(outputName);
        }
        if (format == null) {
            throw new UsageException("cannot tell the output format from '" + outputName
                    + "'; name it .safetensors or .ckpt, or pass --format");
        }
        return toSlimOptions(format);
    }

    /** What {@code --bake-vae} names (a file, or a store key for {@code convert-object}), or null. */
    public String bakeVae() {
        return bakeVae;
    }

    /** The explicitly requested format, if any. */
    public CheckpointFormat explicitFormat() {
        return format == null ? null : formatNamed(format);
    }

    /** {@code safetensors} or {@code ckpt}, for {@code --format}. */
    public static CheckpointFormat formatNamed(String name) {
        return switch (choice("--format", name, "safetensors", "ckpt")) {
            case "SAFETENSORS" -> CheckpointFormat.SAFETENSORS;
            default -> CheckpointFormat.TORCH_ZIP;
        };
    }

    /** The format a file name implies: .safetensors, or .ckpt/.pt/.pth/.bin for torch archives. */
    public static CheckpointFormat formatOf(Path p) {
        return formatOf(p.getFileName().toString());
    }

    /** The format a file or key name implies, as {@link #formatOf(Path)}. */
    public static CheckpointFormat formatOf(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".safetensors")) {
            return CheckpointFormat.SAFETENSORS;
        }
        if (n.endsWith(".ckpt") || n.endsWith(".pt") || n.endsWith(".pth") || n.endsWith(".bin")) {
            return CheckpointFormat.TORCH_ZIP;
        }
        return null;
    }

    /** A precision name as users write it: fp16, bf16, fp32, fp8-e4m3fn, fp8-e5m2 (and common spellings). */
    public static DType precision(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "fp16", "f16", "half", "float16" -> DType.F16;
            case "bf16", "bfloat16" -> DType.BF16;
            case "fp32", "f32", "float", "float32" -> DType.F32;
            case "fp8-e4m3fn", "fp8", "e4m3fn", "float8_e4m3fn" -> DType.F8_E4M3FN;
            case "fp8-e5m2", "e5m2", "float8_e5m2" -> DType.F8_E5M2;
            default -> throw new UsageException("--precision: unknown precision '" + name
                    + "'; use fp16, bf16, fp32, fp8-e4m3fn or fp8-e5m2");
        };
    }

    private static ComponentOp op(String option, String value) {
        return ComponentOp.valueOf(choice(option, value, "convert", "copy", "delete"));
    }

    private static String choice(String option, String value, String... allowed) {
        String v = value.toLowerCase(Locale.ROOT);
        for (String a : allowed) {
            if (a.equals(v)) {
                return a.toUpperCase(Locale.ROOT);
            }
        }
        throw new UsageException(option + ": '" + value + "' is not one of " + String.join(", ", allowed));
    }

    private Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : metadata) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("--metadata: expected KEY=VALUE, got '" + kv + "'");
            }
            String key = kv.substring(0, eq);
            if (key.startsWith("sdfarm.")) {
                throw new UsageException("--metadata: keys starting with 'sdfarm.' are reserved for provenance");
            }
            m.put(key, kv.substring(eq + 1));
        }
        return m;
    }
}

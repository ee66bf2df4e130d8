package dev.sdfarm.converter;

import dev.sdfarm.checkpoint.CheckpointFormat;
import dev.sdfarm.checkpoint.Counts;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.anatomy.ArchitecturePreset;
import dev.sdfarm.checkpoint.synth.Synthesizer;
import dev.sdfarm.converter.cli.ExitCodes;
import dev.sdfarm.converter.cli.ProgressBar;
import dev.sdfarm.converter.cli.SlimOptionsMixin;
import dev.sdfarm.converter.cli.UsageException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sdfarm synth}. */
@Command(name = "synth", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Write a synthetic checkpoint with the exact key names and shapes of a published architecture "
                + "(original LDM layout) and random weights, for tests, benchmarks and demos.",
        footer = {"", "Presets: sd15 (UNet 859,520,964 params, text encoder 123,060,480, VAE 83,653,863), tiny (the SD1.5 "
                + "keys with small widths), tiny-inpainting (tiny with 9 UNet input channels), sd15-inpainting, sd2-512, sd2-768, sd2-inpainting, sdxl-base, sdxl-refiner.",
            "", "Examples:",
            "  sdfarm synth sd15.ckpt --preset sd15 --ema --junk          # ~7.7 GB, like the original release",
            "  sdfarm synth tiny.safetensors --preset tiny --dtype fp16 --seed 7"})
public class SynthCommand implements Callable<Integer> {
    @Parameters(paramLabel = "OUT", description = "The file to write.")
    Path out;

    @Option(names = "--preset", required = true, paramLabel = "NAME", description = "Architecture to copy (see below).")
    String preset;

    @Option(names = "--format", paramLabel = "ckpt|safetensors",
            description = "Default: from OUT's extension, else ckpt.")
    String format;

    @Option(names = "--dtype", paramLabel = "fp32|fp16|bf16", defaultValue = "fp32",
            description = "Weight dtype. Default: ${DEFAULT-VALUE}.")
    String dtype;

    @Option(names = "--ema", description = "Add EMA twins of every UNet weight (model_ema.*).")
    boolean ema;

    @Option(names = "--junk", description = "Add training leftovers: Lightning state (ckpt) and stray state-dict keys.")
    boolean junk;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random weights. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--force", description = "Replace OUT if it exists.")
    boolean force;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar and no summary.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        String id = switch (preset.toLowerCase(Locale.ROOT)) {
            case "tiny" -> "tiny-sd1";
            case "tiny-inpainting" -> "tiny-sd1-inpainting";
            default -> preset.toLowerCase(Locale.ROOT);
        };
        ArchitecturePreset p = ArchitecturePreset.byId(id).orElseThrow(() -> new UsageException(
                "--preset: unknown preset '" + preset + "'; use one of tiny, tiny-inpainting, "
                        + ArchitecturePreset.all().stream().map(ArchitecturePreset::id)
                        .filter(s -> !s.startsWith("tiny-sd1")).collect(Collectors.joining(", "))));
        CheckpointFormat f = format != null ? SlimOptionsMixin.formatNamed(format) : SlimOptionsMixin.formatOf(out);
        f = f == null ? CheckpointFormat.TORCH_ZIP : f;
        DType d = switch (dtype.toLowerCase(Locale.ROOT)) {
            case "fp32", "fp16", "bf16" -> SlimOptionsMixin.precision(dtype);
            default -> throw new UsageException("--dtype: use fp32, fp16 or bf16");
        };
        long t0 = System.nanoTime();
        long size;
        try (ProgressBar bar = ProgressBar.open(out.getFileName().toString(), 0, quiet)) {
            size = Synthesizer.write(out, new Synthesizer.Options(p, f, d, ema, junk, seed), force, bar);
        }
        if (!quiet) {
            System.out.printf(Locale.ROOT, "wrote %s: %s synthetic %s%s%s, %s, %.1f s%n", out, p.displayName(),
                    d.displayName(), ema ? " with EMA" : "", junk ? " and training junk" : "", Counts.bytes(size),
                    (System.nanoTime() - t0) / 1e9);
        }
        return ExitCodes.OK;
    }
}

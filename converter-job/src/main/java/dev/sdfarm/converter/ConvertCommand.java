package dev.sdfarm.converter;

import dev.sdfarm.checkpoint.Counts;
import dev.sdfarm.checkpoint.slim.SlimOptions;
import dev.sdfarm.checkpoint.slim.SlimResult;
import dev.sdfarm.checkpoint.slim.Slimmer;
import dev.sdfarm.converter.cli.ExitCodes;
import dev.sdfarm.converter.cli.ProgressBar;
import dev.sdfarm.converter.cli.SlimOptionsMixin;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sdfarm convert}. */
@Command(name = "convert", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Slim one checkpoint: change precision, drop or select EMA weights, remove junk, bake a VAE, "
                + "repair CLIP position ids, convert between .ckpt and .safetensors. Streams tensor by tensor "
                + "(bounded memory) and writes atomically: the output appears complete or not at all.",
        footer = {"", "Examples:",
            "  sdfarm convert v1-5-pruned.ckpt -o v1-5-fp16.safetensors --precision fp16 --ema drop --drop-junk",
            "  sdfarm convert model.ckpt -o model-ema.safetensors --ema only --precision bf16",
            "  sdfarm convert model.safetensors -o model-baked.safetensors --bake-vae vae-ft-mse-840000-ema-pruned.safetensors --fix-clip",
            "  sdfarm convert model.safetensors -o model-fp8.safetensors --precision fp8-e4m3fn --vae copy --text-encoder copy",
            "", "Exit codes: 0 ok, 1 usage (or output exists without --force), 2 bad or unsafe input, 4 I/O error."})
public class ConvertCommand implements Callable<Integer> {
    @Parameters(paramLabel = "IN", description = "The checkpoint to read.")
    Path in;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT", required = true,
            description = "The file to write (never the input).")
    Path out;

    @Mixin
    SlimOptionsMixin slim;

    @Option(names = "--force", description = "Replace OUT if it exists.")
    boolean force;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar and no summary.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        SlimOptions opts = slim.toSlimOptionsFor(out.getFileName().toString());
        SlimResult r;
        try (ProgressBar bar = ProgressBar.open(in.getFileName().toString(), 0, quiet)) {
            r = Slimmer.slim(in, out, opts, force, null, bar);
        }
        for (String w : r.warnings()) {
            System.err.println("warning: " + w);
        }
        if (!quiet) {
            for (String a : r.actions()) {
                System.out.println("  " + a);
            }
            System.out.printf(Locale.ROOT, "wrote %s: %s (input %s, %s), %d tensors, sha256 %s, %.1f s%n", r.output(),
                    Counts.bytes(r.outputBytes()), Counts.bytes(r.inputBytes()), change(r), r.outputTensors(),
                    r.outputSha256(), r.seconds());
        }
        return ExitCodes.OK;
    }

    private static String change(SlimResult r) {
        double pct = 100.0 * (r.outputBytes() - r.inputBytes()) / Math.max(r.inputBytes(), 1);
        return String.format(Locale.ROOT, "%+.0f%%", pct);
    }
}

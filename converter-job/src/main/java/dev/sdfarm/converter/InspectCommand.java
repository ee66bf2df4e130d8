package dev.sdfarm.converter;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.inspect.CheckpointInspector;
import dev.sdfarm.checkpoint.inspect.Inspection;
import dev.sdfarm.checkpoint.inspect.InspectionJson;
import dev.sdfarm.converter.cli.ExitCodes;
import dev.sdfarm.converter.cli.InspectionRenderer;
import dev.sdfarm.converter.cli.ProgressBar;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sdfarm inspect}. */
@Command(name = "inspect", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Show what a checkpoint holds: format, model family, components, dtypes, EMA, junk, "
                + "CLIP position ids, unknown keys and hashes (sha256, AutoV2, legacy, AutoV3).",
        footer = {"", "Examples:",
            "  sdfarm inspect v1-5-pruned.ckpt",
            "  sdfarm inspect model.safetensors --json | jq .hashes.autov2",
            "  sdfarm inspect big-model.ckpt --no-hash      # skip the full-file hash",
            "", "The --json output follows schema sdfarm.inspect/1 (docs/inspect-json.md).",
            "Exit codes: 0 ok, 1 usage, 2 bad or unsafe file, 4 I/O error."})
public class InspectCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "A .safetensors, .ckpt, .pt, .pth or .bin file.")
    Path file;

    @Option(names = "--json", description = "Print JSON (schema sdfarm.inspect/1) instead of text.")
    boolean json;

    @Option(names = "--no-hash", description = "Skip hashing the whole file.")
    boolean noHash;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        Inspection in;
        try (Checkpoint cp = Checkpoint.open(file);
             ProgressBar bar = ProgressBar.open("hashing " + file.getFileName(), cp.fileSize(), quiet)) {
            in = CheckpointInspector.inspect(cp, !noHash, bar::advance);
        }
        System.out.print(json ? InspectionJson.render(in) + "\n" : InspectionRenderer.text(in));
        return ExitCodes.OK;
    }
}

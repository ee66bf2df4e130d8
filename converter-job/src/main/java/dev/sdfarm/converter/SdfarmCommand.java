package dev.sdfarm.converter;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine.Command;

/** The {@code sdfarm} checkpoint tools. */
@TopCommand
@Command(name = "sdfarm", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Inspect, slim and synthesize Stable Diffusion checkpoints; tokenize and encode prompts.",
        subcommands = {InspectCommand.class, ConvertCommand.class, BulkCommand.class, SynthCommand.class, TokenizeCommand.class,
            EncodeCommand.class})
public class SdfarmCommand {
}

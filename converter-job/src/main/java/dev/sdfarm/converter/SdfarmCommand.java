package dev.sdfarm.converter;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine.Command;

/** The {@code sdfarm} checkpoint tools. */
@TopCommand
@Command(name = "sdfarm", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Inspect, slim and synthesize Stable Diffusion checkpoints; tokenize, encode and render prompts.",
        subcommands = {InspectCommand.class, ConvertCommand.class, BulkCommand.class, ConvertObjectCommand.class,
            RequestBulkCommand.class, SynthCommand.class, TokenizeCommand.class,
            EncodeCommand.class, RenderCommand.class, PngInfoCommand.class})
public class SdfarmCommand {
}

package dev.sdfarm.converter;

import dev.sdfarm.checkpoint.json.JsonWriter;
import dev.sdfarm.converter.cli.ExitCodes;
import dev.sdfarm.converter.cli.UsageException;
import dev.sdfarm.diffusion.image.Infotext;
import dev.sdfarm.diffusion.image.ParsedInfotext;
import dev.sdfarm.diffusion.image.PngImage;
import dev.sdfarm.diffusion.image.PngReader;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sdfarm png-info}. */
@Command(name = "png-info", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Print the generation parameters (AUTOMATIC1111's \"parameters\" infotext) stored in a PNG.",
        footer = {"", "Examples:",
            "  sdfarm png-info out.png",
            "  sdfarm png-info out.png --json | jq .fields.Seed",
            "", "Exit codes: 0 ok, 1 no parameters in the file, 2 not a readable PNG, 4 I/O error."})
public class PngInfoCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "A PNG image.")
    Path file;

    @Option(names = "--json", description = "Print the parsed parameters as JSON: prompt, negative_prompt, fields.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PngImage png;
        try (InputStream in = Files.newInputStream(file)) {
            png = PngReader.defaults().readText(in);
        }
        String text = png.parameters().orElseThrow(() -> new UsageException(file
                + " has no \"parameters\" text chunk; it was not written by sdfarm or AUTOMATIC1111"));
        if (!json) {
            System.out.println(text);
            return ExitCodes.OK;
        }
        ParsedInfotext parsed = Infotext.parse(text);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("prompt", parsed.prompt());
        root.put("negative_prompt", parsed.negativePrompt());
        root.put("fields", new LinkedHashMap<>(parsed.fields()));
        System.out.println(JsonWriter.pretty(root));
        return ExitCodes.OK;
    }
}

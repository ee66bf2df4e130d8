package dev.sdfarm.gateway.conversion;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The converter's command line by its contract: {@code convert-object --store LOCATION --source KEY --output KEY
 * --result KEY} and the option flags.
 */
final class ConverterArguments {
    private ConverterArguments() {
    }

    static List<String> of(String storeLocation, UUID id, String source, String output, ConversionOptions options) {
        List<String> args = new ArrayList<>(List.of("convert-object", "--store", storeLocation, "--source", source,
                "--output", output, "--result", Conversion.resultKey(id)));
        args.addAll(options.converterFlags());
        return args;
    }

    /** What an exit code of the converter means, for the conversion's error. */
    static String exitMeaning(int code) {
        return switch (code) {
            case 1 -> "usage error or the output exists (exit 1)";
            case 2 -> "bad or corrupt input (exit 2)";
            case 3 -> "conversion failed (exit 3)";
            case 4 -> "I/O error or missing source (exit 4)";
            default -> "the converter ended with exit code " + code;
        };
    }
}

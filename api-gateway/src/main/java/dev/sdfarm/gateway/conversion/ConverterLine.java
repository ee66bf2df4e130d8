package dev.sdfarm.gateway.conversion;

import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * One line of the converter's stdout, read by the contract: {@code progress <percent> <phase>} or
 * {@code result <json>}; anything else is plain log.
 */
sealed interface ConverterLine {
    Set<String> PHASES = Set.of("download", "convert", "upload");

    record ProgressLine(int percent, String phase) implements ConverterLine {
    }

    record ResultLine(byte[] json) implements ConverterLine {
    }

    record LogLine(String text) implements ConverterLine {
    }

    static ConverterLine parse(String line) {
        if (line.startsWith("result ")) {
            return new ResultLine(line.substring(7).getBytes(StandardCharsets.UTF_8));
        }
        if (line.startsWith("progress ")) {
            String[] parts = line.trim().split(" +");
            if (parts.length == 3 && parts[1].matches("\\d{1,3}") && PHASES.contains(parts[2])) {
                int p = Integer.parseInt(parts[1]);
                if (p <= 100) {
                    return new ProgressLine(p, parts[2]);
                }
            }
        }
        return new LogLine(line);
    }
}

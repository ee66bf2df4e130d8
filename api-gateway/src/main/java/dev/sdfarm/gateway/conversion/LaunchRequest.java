package dev.sdfarm.gateway.conversion;

import java.util.List;
import java.util.UUID;

/** What a launcher runs: the conversion's id and the converter's arguments ({@code convert-object ...}). */
public record LaunchRequest(UUID id, List<String> converterArgs) {
    public LaunchRequest {
        converterArgs = List.copyOf(converterArgs);
    }
}

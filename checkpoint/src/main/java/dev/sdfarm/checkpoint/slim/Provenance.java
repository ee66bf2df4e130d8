package dev.sdfarm.checkpoint.slim;

import dev.sdfarm.checkpoint.SdfarmVersion;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The provenance sdfarm records in every file it writes (safetensors {@code __metadata__}, or the
 * {@code sdfarm_metadata} entry of a torch archive): what the file was made from and how. Nothing in it
 * depends on time or place, so the same input and options always give byte-identical output.
 */
public record Provenance(String sourceSha256, String sourceName, String operations, String version) {
    public static final String SOURCE_SHA256 = "sdfarm.source_sha256";
    public static final String SOURCE_NAME = "sdfarm.source_name";
    public static final String OPERATIONS = "sdfarm.operations";
    public static final String VERSION = "sdfarm.version";

    public static Provenance of(String sourceSha256, String sourceName, String operations) {
        return new Provenance(sourceSha256, sourceName, operations, SdfarmVersion.VERSION);
    }

    /** Adds the provenance keys to {@code metadata} (replacing older sdfarm provenance). */
    public Map<String, String> addTo(Map<String, String> metadata) {
        Map<String, String> m = new LinkedHashMap<>(metadata);
        m.remove(SOURCE_SHA256);
        m.remove(SOURCE_NAME);
        m.remove(OPERATIONS);
        m.remove(VERSION);
        m.put(SOURCE_SHA256, sourceSha256);
        m.put(SOURCE_NAME, sourceName);
        m.put(OPERATIONS, operations);
        m.put(VERSION, version);
        return m;
    }

    /** The provenance in a file's metadata, if sdfarm wrote it. */
    public static java.util.Optional<Provenance> from(Map<String, String> metadata) {
        if (!metadata.containsKey(SOURCE_SHA256) || !metadata.containsKey(OPERATIONS)) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new Provenance(metadata.get(SOURCE_SHA256), metadata.get(SOURCE_NAME),
                metadata.get(OPERATIONS), metadata.get(VERSION)));
    }

    /** Whether an output with this provenance was made from {@code sha256} with {@code operations}. */
    public boolean matches(String sha256, String ops) {
        return Objects.equals(sourceSha256, sha256) && Objects.equals(operations, ops);
    }
}

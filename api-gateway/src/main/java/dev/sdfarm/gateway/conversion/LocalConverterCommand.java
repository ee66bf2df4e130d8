package dev.sdfarm.gateway.conversion;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The command the local launcher runs the converter with: {@code sdfarm.conversions.local-command} when set,
 * else the JDK the gateway runs on with converter-job's packaged {@code quarkus-run.jar} (the same command line
 * as {@code ./sdfarm convert}), found in the checkout above the working directory or the gateway's own jar.
 */
@ApplicationScoped
public class LocalConverterCommand {
    static final String CONVERTER_JAR = "converter-job/target/quarkus-app/quarkus-run.jar";
    private static final int LEVELS_UP = 8;

    @Inject
    ConversionConfig config;

    /** The command, without the converter's arguments; an {@link IllegalStateException} saying what to do. */
    public List<String> resolve() {
        return resolve(config.localCommand(), starts());
    }

    /** The configured command, else java -jar on the first converter jar in {@code starts} or their parents. */
    static List<String> resolve(Optional<List<String>> configured, List<Path> starts) {
        if (configured.isPresent() && !configured.get().isEmpty()) {
            return configured.get();
        }
        Set<Path> looked = new LinkedHashSet<>();
        for (Path start : starts) {
            Path dir = start;
            for (int i = 0; i < LEVELS_UP && dir != null; i++, dir = dir.getParent()) {
                Path jar = dir.resolve(CONVERTER_JAR);
                looked.add(jar);
                if (Files.isRegularFile(jar)) {
                    return javaCommand(jar);
                }
            }
        }
        throw new IllegalStateException("no converter to run: set sdfarm.conversions.local-command"
                + " (SDFARM_CONVERSIONS_LOCAL_COMMAND, comma-separated) or build converter-job"
                + " (./mvnw -pl converter-job -am package -DskipTests); looked for " + looked);
    }

    static List<String> javaCommand(Path jar) {
        return new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx768m", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED",
                "--add-modules", "jdk.incubator.vector", "-jar", jar.toAbsolutePath().toString()));
    }

    private static List<Path> starts() {
        List<Path> starts = new ArrayList<>();
        starts.add(Path.of("").toAbsolutePath());
        try {
            var source = LocalConverterCommand.class.getProtectionDomain().getCodeSource();
            if (source != null) {
                starts.add(Path.of(source.getLocation().toURI()).toAbsolutePath());
            }
        } catch (URISyntaxException | IllegalArgumentException | SecurityException e) {
            // not from a file: the working directory is the only start
        }
        return starts;
    }
}

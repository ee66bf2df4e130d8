package dev.sdfarm.local;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds the jars of the child broker JVM.
 *
 * <p>The build copies the runtime closure of {@code kafka_2.13} (plus the log4j2 SLF4J binding) into
 * {@code farm-local/target/kafka-broker/}. In order, the first of these wins:
 * <ol>
 *   <li>system property {@value #PROPERTY} or environment variable {@value #ENV}: a path list whose entries are
 *       jars or folders of jars (for a packaged launcher that ships the jars elsewhere);</li>
 *   <li>the {@code kafka-broker} folder next to farm-local's own classes ({@code target/classes} or
 *       {@code target/farm-local-*.jar}), which is how both {@code ./sdfarm} and the module's tests find it;</li>
 *   <li>this JVM's own class path, when it holds {@code kafka.Kafka}.</li>
 * </ol>
 */
public final class KafkaBrokerClasspath {
    public static final String PROPERTY = "sdfarm.kafka.classpath";
    public static final String ENV = "SDFARM_KAFKA_CLASSPATH";

    private KafkaBrokerClasspath() {}

    /** The Kafka jars for the broker JVM ({@link LocalKafka} adds {@link BrokerMain} itself). */
    public static List<Path> resolve() {
        Optional<Path> built = ownLocation().map(p -> p.getParent().resolve("kafka-broker"));
        return fromSetting(System.getProperty(PROPERTY))
                .or(() -> fromSetting(System.getenv(ENV)))
                .or(() -> built.flatMap(KafkaBrokerClasspath::jarsIn))
                .or(KafkaBrokerClasspath::fromThisJvm)
                .orElseThrow(() -> new IllegalStateException("cannot find the Kafka broker jars: expected them in "
                        + built.map(Path::toString).orElse("farm-local/target/kafka-broker")
                        + " (build farm-local: ./mvnw -pl farm-local -am package -DskipTests), or set -D"
                        + PROPERTY + " / " + ENV + " to a path list of jars or folders of jars"));
    }

    /** Where farm-local's classes are: a folder ({@code target/classes}) or a jar; empty if the class loader hides it. */
    static Optional<Path> ownLocation() {
        try {
            return Optional.of(Path.of(KafkaBrokerClasspath.class.getProtectionDomain().getCodeSource()
                    .getLocation().toURI()));
        } catch (URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Optional<List<Path>> fromSetting(String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        List<Path> out = new ArrayList<>();
        for (String entry : value.split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            Path p = Path.of(entry.endsWith("/*") ? entry.substring(0, entry.length() - 2) : entry);
            if (Files.isDirectory(p)) {
                jarsIn(p).ifPresent(out::addAll);
            } else {
                out.add(p);
            }
        }
        return out.isEmpty() ? Optional.empty() : Optional.of(out);
    }

    private static Optional<List<Path>> jarsIn(Path dir) {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> jars = s.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
            return jars.stream().anyMatch(p -> p.getFileName().toString().startsWith("kafka_2.13-"))
                    ? Optional.of(jars) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<List<Path>> fromThisJvm() {
        try {
            Class.forName("kafka.Kafka", false, KafkaBrokerClasspath.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return Optional.empty();
        }
        return Optional.of(Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(s -> !s.isBlank()).map(Path::of).toList());
    }
}

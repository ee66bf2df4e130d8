package dev.sdfarm.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The images copy what the build produces. No Docker here, so the Dockerfiles are checked as text: each COPY
 * from the build context names the Quarkus fast-jar layout ({@code <module>/target/quarkus-app/...}) of a module
 * whose pom runs the Quarkus build and does not change the package type. Whether those files exist depends on
 * whether the module was packaged before this test ran ({@code -pl deploy} alone does not), so existence is
 * checked only where the module's {@code quarkus-run.jar} is present; the layout check above always runs.
 */
class DockerfilesTest {
    private static final Path ROOT = Path.of("..");
    private static final Path DOCKER = Path.of("docker");
    private static final Pattern COPY = Pattern.compile("^COPY\\s+(.*)$");
    private static final Pattern FAST_JAR = Pattern.compile(
            "^([a-z-]+)/target/quarkus-app/(lib/|app/|quarkus/|quarkus-run\\.jar)$");
    private static final String JVM_FLAGS = "--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED";

    @Test
    void gatewayImage() throws IOException {
        checkImage("gateway.Dockerfile", "api-gateway", "FROM eclipse-temurin:25-jre");
    }

    @Test
    void converterImage() throws IOException {
        checkImage("converter.Dockerfile", "converter-job", "FROM eclipse-temurin:25-jre");
    }

    @Test
    void workerImage() throws IOException {
        String text = checkImage("worker.Dockerfile", "worker", "ARG CUDA_IMAGE=nvidia/cuda:13");
        assertTrue(text.contains("-runtime-ubuntu24.04"), "worker base is not a CUDA runtime image");
        assertTrue(text.contains("COPY --from=jre /opt/java/openjdk /opt/java/openjdk"), "no Temurin 25 JRE copied in");
    }

    private static String checkImage(String dockerfile, String module, String base) throws IOException {
        String text = Files.readString(DOCKER.resolve(dockerfile)).replace("\\\n", " ");
        assertTrue(text.contains(base), dockerfile + " does not start from " + base);
        assertTrue(text.contains("USER 10001:10001"), dockerfile + " does not run as user 10001");
        assertTrue(text.contains("--uid 10001"), dockerfile + " does not create user 10001");
        assertTrue(text.contains(JVM_FLAGS), dockerfile + " lacks " + JVM_FLAGS + " in JAVA_OPTS");
        assertTrue(text.contains("-jar /deployments/quarkus-run.jar"), dockerfile + " does not start quarkus-run.jar");

        List<String> sources = copySources(text);
        assertEquals(List.of(module + "/target/quarkus-app/lib/", module + "/target/quarkus-app/quarkus-run.jar",
                module + "/target/quarkus-app/app/", module + "/target/quarkus-app/quarkus/"), sources, dockerfile);
        assertProducesFastJar(module);
        Path app = ROOT.resolve(module).resolve("target/quarkus-app");
        if (Files.exists(app.resolve("quarkus-run.jar"))) {
            for (String s : sources) {
                assertTrue(Files.exists(ROOT.resolve(s)), dockerfile + ": " + s + " is not in the packaged output");
            }
        }
        return text;
    }

    /** COPY sources taken from the build context (stage copies with --from are not build output). */
    private static List<String> copySources(String dockerfile) {
        List<String> sources = new ArrayList<>();
        for (String line : dockerfile.split("\n")) {
            Matcher m = COPY.matcher(line.strip());
            if (!m.matches()) {
                continue;
            }
            List<String> words = new ArrayList<>(List.of(m.group(1).trim().split("\\s+")));
            if (words.stream().anyMatch(w -> w.startsWith("--from="))) {
                continue;
            }
            words.removeIf(w -> w.startsWith("--"));
            assertEquals(2, words.size(), "COPY with one source and one destination: " + line);
            String source = words.getFirst();
            assertTrue(FAST_JAR.matcher(source).matches(), source + " is not part of a Quarkus fast-jar");
            sources.add(source);
        }
        return sources;
    }

    /** The module exists, runs the Quarkus build goal, and keeps the default fast-jar package type. */
    private static void assertProducesFastJar(String module) throws IOException {
        Path pom = ROOT.resolve(module).resolve("pom.xml");
        assertTrue(Files.exists(pom), "no module " + module);
        String text = Files.readString(pom);
        assertTrue(text.contains("<artifactId>" + module + "</artifactId>"), pom + " is not " + module);
        assertTrue(text.contains("<artifactId>quarkus-maven-plugin</artifactId>") && text.contains("<goal>build</goal>"),
                module + " does not run the Quarkus build");
        assertFalse(text.contains("quarkus.package.jar.type"), module + " changes the package type in its pom");
        Path props = ROOT.resolve(module).resolve("src/main/resources/application.properties");
        Properties p = new Properties();
        if (Files.exists(props)) {
            try (var in = Files.newBufferedReader(props)) {
                p.load(in);
            }
        }
        String type = p.getProperty("quarkus.package.jar.type", "fast-jar");
        assertEquals("fast-jar", type, module + " packages as " + type + ", not the fast-jar the image copies");
    }
}

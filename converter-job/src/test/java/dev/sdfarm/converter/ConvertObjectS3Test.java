package dev.sdfarm.converter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.CheckpointFormat;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.anatomy.ArchitecturePreset;
import dev.sdfarm.checkpoint.json.StrictJson;
import dev.sdfarm.checkpoint.slim.Progress;
import dev.sdfarm.checkpoint.synth.Synthesizer;
import dev.sdfarm.core.store.ObjectStore;
import dev.sdfarm.core.store.ObjectStores;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sdfarm convert-object} against a real S3 server, configured the way the services are: {@code
 * sdfarm.store.s3.*} settings, here as system properties. The server is Adobe S3Mock, as in farm-core's store tests,
 * but in a child JVM: inside a Quarkus test's class loader its Spring Boot configuration cannot bind.
 */
@QuarkusMainTest
class ConvertObjectS3Test {
    private static final String BUCKET = "farm";
    private static final Map<String, String> SETTINGS = new HashMap<>();
    private static Process s3mock;

    @TempDir
    static Path s3root;
    @TempDir
    Path dir;

    @BeforeAll
    static void startS3() throws Exception {
        Path root = Files.createDirectories(s3root.resolve("data"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // The test's jars without the converter's own classes, whose application.properties is not the server's.
        String classpath = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> e.endsWith(".jar")).collect(Collectors.joining(File.pathSeparator));
        s3mock = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC",
                "-Dorg.springframework.boot.logging.LoggingSystem=none",
                "-cp", classpath, "com.adobe.testing.s3mock.S3MockApplication",
                "--server.port=0", "--http.port=" + port, "--silent=true",
                "--com.adobe.testing.s3mock.store.initialBuckets=" + BUCKET,
                "--com.adobe.testing.s3mock.store.root=" + root,
                "--com.adobe.testing.s3mock.store.retainFilesOnExit=false")
                .redirectErrorStream(true).redirectOutput(s3root.resolve("s3mock.log").toFile())
                .start();
        String endpoint = "http://127.0.0.1:" + port;
        awaitListening(endpoint);
        SETTINGS.putAll(Map.of(ObjectStores.ENDPOINT, endpoint, ObjectStores.PATH_STYLE, "true",
                ObjectStores.ACCESS_KEY_ID, "converter", ObjectStores.SECRET_ACCESS_KEY, "s3-secret"));
        SETTINGS.forEach((k, v) -> System.setProperty(ObjectStores.S3_CONFIG_PREFIX + k, v));
    }

    private static void awaitListening(String endpoint) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        try (HttpClient http = HttpClient.newHttpClient()) {
            while (true) {
                try {
                    http.send(HttpRequest.newBuilder(URI.create(endpoint + "/" + BUCKET)).build(),
                            HttpResponse.BodyHandlers.discarding());
                    return;
                } catch (IOException notYet) {
                    if (!s3mock.isAlive() || System.nanoTime() > deadline) {
                        throw new IllegalStateException("S3Mock did not start (exit " + (s3mock.isAlive() ? "none"
                                : s3mock.exitValue()) + ")", notYet);
                    }
                    Thread.sleep(200);
                }
            }
        }
    }

    @AfterAll
    static void stopS3() throws InterruptedException {
        SETTINGS.keySet().forEach(k -> System.clearProperty(ObjectStores.S3_CONFIG_PREFIX + k));
        if (s3mock != null) {
            s3mock.destroy();
            s3mock.waitFor();
        }
    }

    @Test
    void convertsAnObjectInAnS3Bucket(QuarkusMainLauncher launcher) throws Exception {
        String location = "s3://" + BUCKET + "/convert-object";
        Path model = dir.resolve("model.safetensors");
        Synthesizer.write(model, new Synthesizer.Options(ArchitecturePreset.TINY_SD1, CheckpointFormat.SAFETENSORS,
                DType.F16, false, false, 5), false, Progress.NONE);
        try (ObjectStore store = ObjectStores.open(location, SETTINGS)) {
            store.put("uploads/model.safetensors", model);

            LaunchResult r = launcher.launch("convert-object", "--store", location, "--source",
                    "uploads/model.safetensors", "--output", "models/model-bf16.safetensors", "--precision", "bf16",
                    "--result", "conversions/1.json");
            assertEquals(0, r.exitCode(), r.getErrorOutput());
            assertFalse(r.getErrorOutput().contains("s3-secret"), r.getErrorOutput());
            String line = r.getOutput().lines().filter(l -> l.startsWith("result ")).findFirst().orElseThrow();
            Map<?, ?> result = (Map<?, ?>) StrictJson.parse(line.substring(7).getBytes(StandardCharsets.UTF_8));
            assertEquals(sha256(store, "models/model-bf16.safetensors"), result.get("output_sha256"));
            assertEquals(store.stat("models/model-bf16.safetensors").orElseThrow().size(), result.get("bytes_out"));
            assertEquals(sha256(store, "uploads/model.safetensors"), result.get("source_sha256"));
            assertEquals("bf16", result.get("precision"));
            assertEquals("no-ema", result.get("ema"));
            try (InputStream in = store.open("conversions/1.json")) {
                assertEquals(result, StrictJson.parse(in.readAllBytes()));
            }

            LaunchResult again = launcher.launch("convert-object", "--store", location, "--source",
                    "uploads/model.safetensors", "--output", "models/model-bf16.safetensors");
            assertEquals(1, again.exitCode());
            assertTrue(again.getErrorOutput().contains("--force"), again.getErrorOutput());
            assertEquals(List.of("conversions/1.json", "models/model-bf16.safetensors", "uploads/model.safetensors"),
                    store.list("").stream().map(o -> o.key()).toList());
        }
    }

    private static String sha256(ObjectStore store, String key) throws Exception {
        try (InputStream in = store.open(key)) {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(in.readAllBytes()));
        }
    }
}

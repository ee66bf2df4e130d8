package dev.sdfarm.converter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.CheckpointFormat;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.anatomy.ArchitecturePreset;
import dev.sdfarm.checkpoint.json.StrictJson;
import dev.sdfarm.checkpoint.slim.Progress;
import dev.sdfarm.checkpoint.synth.Synthesizer;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sdfarm convert-object} against a file store, as a Kubernetes Job or the gateway runs it. */
@QuarkusMainTest
class ConvertObjectCliTest {
    private static final Pattern PROGRESS = Pattern.compile("progress (\\d{1,3}) (download|convert|upload)");

    @TempDir
    Path dir;
    private Path store;
    private Path tmp;
    private String savedTmpdir;

    @BeforeEach
    void privateTmpdir() throws IOException {
        store = Files.createDirectories(dir.resolve("store"));
        tmp = Files.createDirectories(dir.resolve("tmp"));
        savedTmpdir = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", tmp.toString());
    }

    @AfterEach
    void restoreTmpdir() {
        System.setProperty("java.io.tmpdir", savedTmpdir);
    }

    private Path synth(String key, boolean ema) throws IOException {
        Path p = store.resolve(key);
        Files.createDirectories(p.getParent());
        Synthesizer.write(p, new Synthesizer.Options(ArchitecturePreset.TINY_SD1, CheckpointFormat.TORCH_ZIP, DType.F32,
                ema, true, 7), false, Progress.NONE);
        return p;
    }

    private LaunchResult convert(QuarkusMainLauncher launcher, String... args) {
        return launcher.launch(Stream.concat(Stream.of("convert-object", "--store", store.toString()), Stream.of(args))
                .toArray(String[]::new));
    }

    private List<String> storeKeys() throws IOException {
        try (Stream<Path> s = Files.walk(store)) {
            return s.filter(Files::isRegularFile).map(p -> store.relativize(p).toString()).sorted().toList();
        }
    }

    private List<String> tmpFiles() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    private static Map<?, ?> resultOf(LaunchResult r) {
        List<String> lines = r.getOutput().lines().toList();
        List<String> results = lines.stream().filter(l -> l.startsWith("result ")).toList();
        assertEquals(1, results.size(), r.getOutput());
        assertEquals(results.getFirst(), lines.getLast(), "the result is the last line");
        return (Map<?, ?>) StrictJson.parse(results.getFirst().substring(7).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void convertsAndStoresTheOutputWithAResultThatDescribesIt(QuarkusMainLauncher launcher) throws Exception {
        Path in = synth("uploads/model.ckpt", true);
        LaunchResult r = convert(launcher, "--source", "uploads/model.ckpt", "--output", "models/model-fp16.safetensors",
                "--result", "conversions/c1.json", "--precision", "fp16", "--ema", "drop", "--drop-junk");
        assertEquals(0, r.exitCode(), r.getErrorOutput());

        Path out = store.resolve("models/model-fp16.safetensors");
        Map<?, ?> result = resultOf(r);
        assertEquals(List.of("source_key", "source_sha256", "output_key", "output_sha256", "bytes_in", "bytes_out",
                "seconds", "family", "precision", "ema", "warnings"), List.copyOf(result.keySet().stream()
                .map(String::valueOf).toList()));
        assertEquals("uploads/model.ckpt", result.get("source_key"));
        assertEquals(sha256(in), result.get("source_sha256"));
        assertEquals("models/model-fp16.safetensors", result.get("output_key"));
        assertEquals(sha256(out), result.get("output_sha256"));
        assertEquals(Files.size(in), result.get("bytes_in"));
        assertEquals(Files.size(out), result.get("bytes_out"));
        assertTrue(((Number) result.get("seconds")).doubleValue() > 0, result.toString());
        assertEquals("sd1", result.get("family"));
        assertEquals("fp16", result.get("precision"));
        assertEquals("no-ema", result.get("ema"));
        assertEquals(List.of(), result.get("warnings"));
        assertTrue(Files.size(out) < Files.size(in) / 2);

        Map<?, ?> stored = (Map<?, ?>) StrictJson.parse(Files.readAllBytes(store.resolve("conversions/c1.json")));
        assertEquals(result, stored);
        assertTrue(r.getErrorOutput().contains("dropped 688 EMA tensors"), r.getErrorOutput());

        List<Integer> percents = new ArrayList<>();
        for (String line : r.getOutput().lines().filter(l -> !l.startsWith("result ")).toList()) {
            Matcher m = PROGRESS.matcher(line);
            assertTrue(m.matches(), "not a progress line: " + line);
            percents.add(Integer.parseInt(m.group(1)));
        }
        assertTrue(percents.size() >= 2, r.getOutput());
        assertEquals(0, percents.getFirst());
        assertEquals(100, percents.getLast());
        assertEquals(percents.stream().sorted().toList(), percents, "progress never goes back: " + percents);
        assertTrue(r.getOutput().lines().anyMatch(l -> l.equals("progress 100 upload")), r.getOutput());
        assertEquals(List.of(), tmpFiles());
    }

    @Test
    void keptEmaShowsInTheResult(QuarkusMainLauncher launcher) throws IOException {
        synth("uploads/model.ckpt", true);
        LaunchResult r = convert(launcher, "--source", "uploads/model.ckpt", "--output", "models/model.safetensors");
        assertEquals(0, r.exitCode(), r.getErrorOutput());
        Map<?, ?> result = resultOf(r);
        assertEquals("ema", result.get("ema"));
        assertEquals("fp32", result.get("precision"));
    }

    @Test
    void missingSourceExitsWithFourAndLeavesNothing(QuarkusMainLauncher launcher) throws IOException {
        synth("uploads/model.ckpt", false);
        LaunchResult r = convert(launcher, "--source", "uploads/nope.ckpt", "--output", "models/x.safetensors",
                "--result", "conversions/x.json");
        assertEquals(4, r.exitCode());
        String err = r.getErrorOutput();
        assertTrue(err.contains("'uploads/nope.ckpt' not found") && err.contains("--source"), err);
        assertEquals(1, err.lines().count(), err);
        assertFalse(r.getOutput().contains("result "), r.getOutput());
        assertEquals(List.of("uploads/model.ckpt"), storeKeys());
        assertEquals(List.of(), tmpFiles());

        LaunchResult vae = convert(launcher, "--source", "uploads/model.ckpt", "--output", "models/x.safetensors",
                "--bake-vae", "vae/missing.safetensors");
        assertEquals(4, vae.exitCode());
        assertTrue(vae.getErrorOutput().contains("'vae/missing.safetensors' not found"), vae.getErrorOutput());
        assertEquals(List.of("uploads/model.ckpt"), storeKeys());
    }

    @Test
    void existingOutputIsRefusedWithoutForceAndReplacedWithIt(QuarkusMainLauncher launcher) throws Exception {
        synth("uploads/model.ckpt", false);
        Path out = Files.createDirectories(store.resolve("models")).resolve("model.safetensors");
        byte[] old = "an older model".getBytes(StandardCharsets.UTF_8);
        Files.write(out, old);
        LaunchResult r = convert(launcher, "--source", "uploads/model.ckpt", "--output", "models/model.safetensors");
        assertEquals(1, r.exitCode());
        assertTrue(r.getErrorOutput().contains("already exists") && r.getErrorOutput().contains("--force"),
                r.getErrorOutput());
        assertArrayEquals(old, Files.readAllBytes(out));
        assertEquals(List.of(), tmpFiles());

        LaunchResult forced = convert(launcher, "--source", "uploads/model.ckpt", "--output", "models/model.safetensors",
                "--force");
        assertEquals(0, forced.exitCode(), forced.getErrorOutput());
        assertEquals(sha256(out), resultOf(forced).get("output_sha256"));
    }

    @Test
    void corruptSourceExitsWithTwoNamingTheKeyAndLeavesNothing(QuarkusMainLauncher launcher) throws IOException {
        Path bad = Files.createDirectories(store.resolve("uploads")).resolve("bad.safetensors");
        byte[] garbage = new byte[4096];
        new java.util.Random(3).nextBytes(garbage);
        Files.write(bad, garbage);
        LaunchResult r = convert(launcher, "--source", "uploads/bad.safetensors", "--output", "models/bad.safetensors",
                "--result", "conversions/bad.json");
        assertEquals(2, r.exitCode());
        String err = r.getErrorOutput();
        assertTrue(err.contains("source object 'uploads/bad.safetensors'"), err);
        assertFalse(err.contains(tmp.toString()), "names the key, not a temporary file: " + err);
        assertFalse(err.contains("\tat "), err);
        assertEquals(List.of("uploads/bad.safetensors"), storeKeys());
        assertEquals(List.of(), tmpFiles());
    }

    @Test
    void badKeysAndOptionsAreUsageErrors(QuarkusMainLauncher launcher) throws IOException {
        synth("uploads/model.ckpt", false);
        LaunchResult climbing = convert(launcher, "--source", "uploads/model.ckpt", "--output", "../outside.safetensors");
        assertEquals(1, climbing.exitCode());
        assertTrue(climbing.getErrorOutput().contains("--output"), climbing.getErrorOutput());
        LaunchResult noFormat = convert(launcher, "--source", "uploads/model.ckpt", "--output", "models/model.bin2");
        assertEquals(1, noFormat.exitCode());
        assertTrue(noFormat.getErrorOutput().contains("--format"), noFormat.getErrorOutput());
        LaunchResult scheme = launcher.launch("convert-object", "--store", "ftp://host/x", "--source", "a.ckpt",
                "--output", "b.safetensors");
        assertEquals(1, scheme.exitCode());
        assertTrue(scheme.getErrorOutput().contains("--store"), scheme.getErrorOutput());
        assertEquals(List.of("uploads/model.ckpt"), storeKeys());
        assertEquals(List.of(), tmpFiles());
    }

    /** The JDK's own sha256 of the file, independent of the converter's hashing. */
    private static String sha256(Path p) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(p)));
    }
}

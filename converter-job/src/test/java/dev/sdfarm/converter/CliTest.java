package dev.sdfarm.converter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.json.StrictJson;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as users run it: exit codes, messages, files left behind. */
@QuarkusMainTest
class CliTest {
    @TempDir
    Path dir;

    private Path tiny(QuarkusMainLauncher launcher, String name, String... extra) {
        Path p = dir.resolve(name);
        String[] args = Stream.concat(Stream.of("synth", p.toString(), "--preset", "tiny", "-q"), Stream.of(extra))
                .toArray(String[]::new);
        assertEquals(0, launcher.launch(args).exitCode());
        return p;
    }

    private List<String> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /**
     * A torch archive whose pickle calls {@code os.system} (pickled on Linux as {@code posix.system}) to touch
     * {@code marker}, exactly what {@code pickle.dumps} of a hostile {@code __reduce__} produces.
     */
    private Path hostileCheckpoint(Path marker) throws IOException {
        ByteArrayOutputStream pkl = new ByteArrayOutputStream();
        pkl.write(new byte[] {(byte) 0x80, 2});
        pkl.write("cposix\nsystem\nq\u0000".getBytes(StandardCharsets.ISO_8859_1));
        byte[] cmd = ("touch " + marker).getBytes(StandardCharsets.UTF_8);
        pkl.write('X');
        pkl.write(new byte[] {(byte) cmd.length, 0, 0, 0});
        pkl.write(cmd);
        pkl.write(new byte[] {(byte) 0x85, 'R', '.'});
        Path p = dir.resolve("hostile.ckpt");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(p))) {
            stored(zip, "archive/data.pkl", pkl.toByteArray());
            stored(zip, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
        return p;
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    @Test
    void rejectsPickleThatCallsOsSystemInInspectAndConvertWithoutRunningIt(QuarkusMainLauncher launcher)
            throws IOException {
        Path marker = dir.resolve("pwned");
        Path hostile = hostileCheckpoint(marker);
        LaunchResult inspect = launcher.launch("inspect", hostile.toString());
        assertEquals(2, inspect.exitCode());
        assertTrue(inspect.getErrorOutput().contains("posix.system"), inspect.getErrorOutput());
        assertFalse(inspect.getErrorOutput().contains("\tat "), "no stack trace: " + inspect.getErrorOutput());

        LaunchResult convert = launcher.launch("convert", hostile.toString(), "-o", dir.resolve("out.safetensors").toString());
        assertEquals(2, convert.exitCode());
        assertTrue(convert.getErrorOutput().contains("posix.system"), convert.getErrorOutput());
        assertFalse(Files.exists(marker), "the payload must never run");
        assertEquals(List.of("hostile.ckpt"), files());
    }

    @Test
    void inspectJsonFollowsTheDocumentedSchema(QuarkusMainLauncher launcher) {
        Path model = tiny(launcher, "tiny.safetensors", "--ema");
        LaunchResult r = launcher.launch("inspect", model.toString(), "--json");
        assertEquals(0, r.exitCode(), r.getErrorOutput());
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) StrictJson.parse(r.getOutput().getBytes(StandardCharsets.UTF_8));
        assertEquals("sdfarm.inspect/1", json.get("schema"));
        assertEquals(List.of("schema", "file", "hashes", "model", "totals", "components", "ema", "junk",
                "clip_position_ids", "unknown", "storage_sharing", "legacy_text_encoder_keys", "metadata", "warnings"),
                List.copyOf(json.keySet()));
        @SuppressWarnings("unchecked")
        Map<String, Object> hashes = (Map<String, Object>) json.get("hashes");
        assertEquals(64, ((String) hashes.get("sha256")).length());
        assertEquals(((String) hashes.get("sha256")).substring(0, 10), hashes.get("autov2"));
        assertEquals(12, ((String) hashes.get("autov3")).length());
        @SuppressWarnings("unchecked")
        Map<String, Object> model2 = (Map<String, Object>) json.get("model");
        assertEquals("sd1", model2.get("family"));
        assertEquals("tiny-sd1", model2.get("architecture"));
        @SuppressWarnings("unchecked")
        Map<String, Object> ema = (Map<String, Object>) json.get("ema");
        assertEquals(Boolean.TRUE, ema.get("present"));
        assertEquals(686L, ema.get("tensors"));
    }

    @Test
    void convertWritesTheOutputAndRefusesToReplaceItWithoutForce(QuarkusMainLauncher launcher) throws IOException {
        Path in = tiny(launcher, "in.ckpt", "--ema", "--junk");
        Path out = dir.resolve("out.safetensors");
        LaunchResult r = launcher.launch("convert", in.toString(), "-o", out.toString(), "--precision", "fp16",
                "--ema", "drop", "--drop-junk");
        assertEquals(0, r.exitCode(), r.getErrorOutput());
        assertTrue(r.getOutput().contains("dropped 688 EMA tensors"), r.getOutput());
        assertTrue(Files.size(out) < Files.size(in) / 2);

        LaunchResult again = launcher.launch("convert", in.toString(), "-o", out.toString());
        assertEquals(1, again.exitCode());
        assertTrue(again.getErrorOutput().contains("--force"), again.getErrorOutput());
        assertEquals(0, launcher.launch("convert", in.toString(), "-o", out.toString(), "--force", "-q").exitCode());
    }

    @Test
    void usageErrorsExitWithOneAndSayWhatToDo(QuarkusMainLauncher launcher) {
        Path in = tiny(launcher, "in.safetensors");
        LaunchResult badPrecision = launcher.launch("convert", in.toString(), "-o", dir.resolve("o.safetensors").toString(),
                "--precision", "fp17");
        assertEquals(1, badPrecision.exitCode());
        assertTrue(badPrecision.getErrorOutput().contains("fp16, bf16, fp32"), badPrecision.getErrorOutput());
        LaunchResult noFormat = launcher.launch("convert", in.toString(), "-o", dir.resolve("o.model").toString());
        assertEquals(1, noFormat.exitCode());
        assertTrue(noFormat.getErrorOutput().contains("--format"), noFormat.getErrorOutput());
        LaunchResult unknown = launcher.launch("convert", in.toString(), "--bogus");
        assertEquals(1, unknown.exitCode());
        assertTrue(unknown.getErrorOutput().contains("--help"), unknown.getErrorOutput());
    }

    @Test
    void badInputExitsWithTwoNamingFileAndPlace(QuarkusMainLauncher launcher) throws IOException {
        Path bad = dir.resolve("bad.safetensors");
        Files.write(bad, new byte[] {10, 0, 0, 0, 0, 0, 0, 0, '{', '"', 'a', '"', ':', '1', '}', ' ', ' ', ' '});
        LaunchResult r = launcher.launch("inspect", bad.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.getErrorOutput().contains(bad.toString()) && r.getErrorOutput().contains("tensor \"a\""),
                r.getErrorOutput());
    }

    @Test
    void bulkReportsEveryFileAndExitsWithThreeWhenOneFails(QuarkusMainLauncher launcher) throws IOException {
        Path src = Files.createDirectories(dir.resolve("src"));
        tiny(launcher, "src/a.ckpt", "--ema");
        Files.writeString(src.resolve("broken.safetensors"), "not really");
        Path report = dir.resolve("report.jsonl");
        LaunchResult r = launcher.launch("bulk", src.toString(), "--out", dir.resolve("dst").toString(),
                "--precision", "fp16", "--report", report.toString());
        assertEquals(3, r.exitCode(), r.getErrorOutput());
        List<String> lines = Files.readAllLines(report);
        assertEquals(2, lines.size());
        Map<?, ?> first = (Map<?, ?>) StrictJson.parse(lines.getFirst().getBytes(StandardCharsets.UTF_8));
        assertEquals("ok", first.get("status"));
        for (String key : List.of("file", "sha256_in", "sha256_out", "bytes_in", "bytes_out", "seconds", "status",
                "error")) {
            assertTrue(first.containsKey(key), key);
        }
        assertTrue(r.getOutput().contains("1 converted, 0 skipped (up to date), 1 failed"), r.getOutput());
        LaunchResult again = launcher.launch("bulk", src.toString(), "--out", dir.resolve("dst").toString(),
                "--precision", "fp16");
        assertEquals(3, again.exitCode());
        assertTrue(again.getOutput().contains("0 converted, 1 skipped (up to date), 1 failed"), again.getOutput());
    }

    @Test
    void helpShowsExamplesAndExitCodes(QuarkusMainLauncher launcher) {
        LaunchResult r = launcher.launch("convert", "--help");
        assertEquals(0, r.exitCode());
        assertTrue(r.getOutput().contains("Examples:") && r.getOutput().contains("Exit codes:"), r.getOutput());
    }
}

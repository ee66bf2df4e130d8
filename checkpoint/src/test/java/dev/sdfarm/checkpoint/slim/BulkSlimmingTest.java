package dev.sdfarm.checkpoint.slim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.CheckpointFormat;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.TestBytes;
import dev.sdfarm.checkpoint.TestCheckpoints;
import dev.sdfarm.checkpoint.slim.BulkSlimming.Outcome;
import dev.sdfarm.checkpoint.slim.BulkSlimming.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BulkSlimmingTest {
    @TempDir
    Path root;
    Path src;
    Path dst;

    @BeforeEach
    void folder() throws IOException {
        src = Files.createDirectories(root.resolve("models"));
        dst = root.resolve("slim");
        TestCheckpoints.tiny(src, "a.ckpt", CheckpointFormat.TORCH_ZIP, true, true, 1);
        Files.createDirectories(src.resolve("sub"));
        TestCheckpoints.tiny(src.resolve("sub"), "b.safetensors", CheckpointFormat.SAFETENSORS, false, false, 2);
        Files.write(src.resolve("sub/hostile.pt"), TestBytes.resource("torch/hostile_os_system.pt"));
        Files.writeString(src.resolve("notes.txt"), "not a model");
        Files.createDirectories(src.resolve(".cache"));
        Files.writeString(src.resolve(".cache/x.ckpt"), "hidden");
    }

    private static SlimOptions fp16() {
        return SlimOptions.defaults(CheckpointFormat.SAFETENSORS).withPrecision(DType.F16).withEma(EmaMode.DROP);
    }

    private List<Outcome> run(SlimOptions o, boolean force, List<Outcome> reported) throws IOException {
        List<BulkSlimming.Item> items = BulkSlimming.discover(src, dst, o.format());
        return BulkSlimming.run(items, o, force, 2, Progress.NONE, reported::add);
    }

    private List<Path> outputs() throws IOException {
        try (Stream<Path> s = Files.walk(dst)) {
            return s.filter(Files::isRegularFile).map(dst::relativize).sorted().toList();
        }
    }

    @Test
    void convertsEveryCheckpointReportsTheBadOneAndGoesOn() throws IOException {
        List<Outcome> reported = Collections.synchronizedList(new ArrayList<>());
        List<Outcome> out = run(fp16(), false, reported);
        assertEquals(List.of("a.ckpt", "sub/b.safetensors", "sub/hostile.pt"),
                out.stream().map(o -> o.item().relative()).toList());
        assertEquals(3, reported.size());
        assertEquals(List.of(Status.OK, Status.OK, Status.FAILED), out.stream().map(Outcome::status).toList());
        Outcome bad = out.get(2);
        assertTrue(bad.error().contains("posix.system"), bad.error());
        assertNotNull(bad.inputSha256());
        assertEquals(List.of(Path.of("a.safetensors"), Path.of("sub/b.safetensors")), outputs());
        Outcome a = out.getFirst();
        assertEquals(TestCheckpoints.sha256(Files.readAllBytes(src.resolve("a.ckpt"))), a.inputSha256());
        assertEquals(TestCheckpoints.sha256(Files.readAllBytes(dst.resolve("a.safetensors"))), a.outputSha256());
        assertTrue(a.outputBytes() < a.inputBytes() / 2);
    }

    @Test
    void rerunSkipsUpToDateOutputsAndRedoesStaleOnes() throws IOException {
        run(fp16(), false, new ArrayList<>());
        List<Outcome> again = run(fp16(), false, new ArrayList<>());
        assertEquals(List.of(Status.SKIPPED, Status.SKIPPED, Status.FAILED), again.stream().map(Outcome::status).toList());

        // Other options: the existing outputs are not what was asked for, and are only replaced with force.
        SlimOptions bf16 = fp16().withPrecision(DType.BF16);
        List<Outcome> refused = run(bf16, false, new ArrayList<>());
        assertEquals(Status.FAILED, refused.getFirst().status());
        assertTrue(refused.getFirst().error().contains("--force"), refused.getFirst().error());
        List<Outcome> forced = run(bf16, true, new ArrayList<>());
        assertEquals(List.of(Status.OK, Status.OK, Status.FAILED), forced.stream().map(Outcome::status).toList());

        // A changed input is converted again.
        TestCheckpoints.tiny(src, "a.ckpt", CheckpointFormat.TORCH_ZIP, true, true, 7);
        List<Outcome> changed = run(bf16, false, new ArrayList<>());
        assertEquals(Status.FAILED, changed.getFirst().status(), "stale output is not replaced without force");
        assertEquals(Status.OK, run(bf16, true, new ArrayList<>()).getFirst().status());
    }

    @Test
    void twoInputsMappingToOneOutputFailTheSecond() throws IOException {
        Files.copy(src.resolve("sub/b.safetensors"), src.resolve("sub/b.ckpt"));
        List<Outcome> out = run(fp16(), false, new ArrayList<>());
        Outcome second = out.stream().filter(o -> o.item().relative().equals("sub/b.safetensors")).findFirst()
                .orElseThrow();
        assertEquals(Status.FAILED, second.status());
        assertTrue(second.error().contains("would overwrite the output of sub/b.ckpt"), second.error());
        assertNull(second.outputSha256());
    }

    @Test
    void skipsTheDestinationWhenItLiesInsideTheSource() throws IOException {
        dst = src.resolve("slim");
        run(fp16(), false, new ArrayList<>());
        List<BulkSlimming.Item> items = BulkSlimming.discover(src, dst, CheckpointFormat.SAFETENSORS);
        assertTrue(items.stream().noneMatch(i -> i.input().startsWith(dst)));
    }
}

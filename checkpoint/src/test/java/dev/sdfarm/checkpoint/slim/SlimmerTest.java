package dev.sdfarm.checkpoint.slim;

import static dev.sdfarm.checkpoint.TestCheckpoints.tensorHashes;
import static dev.sdfarm.checkpoint.TestCheckpoints.tensorTypes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.CheckpointException;
import dev.sdfarm.checkpoint.CheckpointFormat;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.InMemoryTensorData;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.checkpoint.TensorValues;
import dev.sdfarm.checkpoint.TestBytes;
import dev.sdfarm.checkpoint.TestCheckpoints;
import dev.sdfarm.checkpoint.anatomy.EmaKeys;
import dev.sdfarm.checkpoint.dtype.PrecisionCast;
import dev.sdfarm.checkpoint.io.OutputExistsException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SlimmerTest {
    private static final String UNET_W = "model.diffusion_model.input_blocks.0.0.weight";
    private static final String POS_IDS = "cond_stage_model.transformer.text_model.embeddings.position_ids";

    @TempDir
    static Path shared;
    @TempDir
    Path dir;

    /** Tiny SD1 with EMA twins and Lightning training state, as the original SD1.x releases are saved. */
    static Path trainingCkpt;
    /** Tiny SD1 without EMA, safetensors, with metadata and two state-dict leftovers. */
    static Path plainSafetensors;

    @BeforeAll
    static void synthesize() throws IOException {
        trainingCkpt = TestCheckpoints.tiny(shared, "train.ckpt", CheckpointFormat.TORCH_ZIP, true, true, 1);
        plainSafetensors = TestCheckpoints.tiny(shared, "plain.safetensors", CheckpointFormat.SAFETENSORS, false, true, 2);
    }

    private static SlimOptions opts(CheckpointFormat f) {
        return SlimOptions.defaults(f);
    }

    private SlimResult slim(Path in, String out, SlimOptions o) throws IOException {
        return Slimmer.slim(in, dir.resolve(out), o, false, null, Progress.NONE);
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @Test
    void roundTripSafetensorsToCkptToSafetensorsKeepsEveryTensorBitIdentical() throws IOException {
        Path ckpt = slim(plainSafetensors, "a.ckpt", opts(CheckpointFormat.TORCH_ZIP)).output();
        Path back = slim(ckpt, "b.safetensors", opts(CheckpointFormat.SAFETENSORS)).output();
        assertEquals(tensorTypes(plainSafetensors), tensorTypes(back));
        assertEquals(tensorHashes(plainSafetensors), tensorHashes(back));
        try (Checkpoint a = Checkpoint.open(plainSafetensors); Checkpoint b = Checkpoint.open(back)) {
            assertEquals("pt", b.metadata().get("format"), "the input's metadata survives the round trip");
            assertEquals(a.metadata().get("format"), b.metadata().get("format"));
        }
    }

    @Test
    void sameInputAndOptionsGiveByteIdenticalOutput() throws IOException {
        SlimOptions o = opts(CheckpointFormat.SAFETENSORS).withPrecision(DType.F16).withEma(EmaMode.DROP);
        SlimResult first = slim(trainingCkpt, "1.safetensors", o);
        SlimResult second = slim(trainingCkpt, "2.safetensors", o);
        assertEquals(first.outputSha256(), second.outputSha256());
        assertArrayEquals(Files.readAllBytes(first.output()), Files.readAllBytes(second.output()));
        SlimResult ckpt1 = slim(trainingCkpt, "1.ckpt", o.withFormat(CheckpointFormat.TORCH_ZIP));
        SlimResult ckpt2 = slim(trainingCkpt, "2.ckpt", o.withFormat(CheckpointFormat.TORCH_ZIP));
        assertEquals(ckpt1.outputSha256(), ckpt2.outputSha256());
    }

    @Test
    void precisionConversionCastsFloatsAndLeavesIntegersScheduleAndEmaBookkeepingAlone() throws IOException {
        Path out = slim(trainingCkpt, "h.safetensors", opts(CheckpointFormat.SAFETENSORS).withPrecision(DType.F16))
                .output();
        try (Checkpoint in = Checkpoint.open(trainingCkpt); Checkpoint o = Checkpoint.open(out)) {
            for (StoredTensor t : in.tensors()) {
                StoredTensor c = o.tensor(t.name()).orElseThrow();
                boolean keeps = !t.dtype().isFloatingPoint() || t.name().equals(EmaKeys.DECAY)
                        || dev.sdfarm.checkpoint.anatomy.ScheduleBuffers.isScheduleKey(t.name());
                assertEquals(keeps ? t.dtype() : DType.F16, c.dtype(), t.name());
                byte[] src = in.readAll(t);
                byte[] expected = src;
                if (!keeps) {
                    expected = new byte[src.length / 2];
                    PrecisionCast.cast(MemorySegment.ofArray(src), 0, DType.F32, MemorySegment.ofArray(expected), 0,
                            DType.F16, t.numel());
                }
                assertArrayEquals(expected, o.readAll(c), t.name());
            }
        }
    }

    @Test
    void halfAndBfloat16OutputEqualTorchsOwnCastsOfTheSameCheckpoint() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.sdfarm.checkpoint.torch.PythonTorch.available(),
                dev.sdfarm.checkpoint.torch.PythonTorch.SKIP_MESSAGE);
        Path oracle = dir.resolve("oracle.py");
        Files.write(oracle, TestBytes.resource("slim/torch_cast_oracle.py"));
        for (var c : List.of(Map.entry(DType.F16, "half"), Map.entry(DType.BF16, "bfloat16"))) {
            SlimOptions o = opts(CheckpointFormat.SAFETENSORS).withPrecision(c.getKey());
            Path out = slim(trainingCkpt, c.getValue() + ".safetensors", o).output();
            Map<String, String> ours = tensorHashes(out);
            // The schedule buffers and EMA bookkeeping stay fp32 by design; compare everything else.
            var run = dev.sdfarm.checkpoint.torch.PythonTorch.run(
                    List.of(oracle.toString(), trainingCkpt.toString(), c.getValue()), 300);
            assertEquals(0, run.exitCode(), run.stderr());
            @SuppressWarnings("unchecked")
            Map<String, String> torch = (Map<String, String>) dev.sdfarm.checkpoint.json.StrictJson.parse(
                    run.stdout().strip().getBytes());
            int compared = 0;
            for (var e : torch.entrySet()) {
                if (e.getKey().equals(EmaKeys.DECAY) || dev.sdfarm.checkpoint.anatomy.ScheduleBuffers.isScheduleKey(e.getKey())) {
                    continue;
                }
                assertEquals(e.getValue(), ours.get(e.getKey()), c.getValue() + " of " + e.getKey());
                compared++;
            }
            assertTrue(compared > 1800, "compared " + compared);
        }
    }

    @Test
    void fp32WidensHalfPrecisionInputs() throws IOException {
        Path half = slim(plainSafetensors, "h.safetensors", opts(CheckpointFormat.SAFETENSORS).withPrecision(DType.F16))
                .output();
        Path wide = slim(half, "w.safetensors", opts(CheckpointFormat.SAFETENSORS).withPrecision(DType.F32)).output();
        try (Checkpoint h = Checkpoint.open(half); Checkpoint w = Checkpoint.open(wide)) {
            StoredTensor ht = h.tensor(UNET_W).orElseThrow();
            StoredTensor wt = w.tensor(UNET_W).orElseThrow();
            assertEquals(DType.F32, wt.dtype());
            double[] hv = TensorValues.read(h, ht);
            double[] wv = TensorValues.read(w, wt);
            assertArrayEquals(hv, wv);
        }
    }

    @Test
    void emaOnlyReplacesEachUnetWeightByItsTwinAndDropsModelEma() throws IOException {
        Path out = slim(trainingCkpt, "ema.safetensors", opts(CheckpointFormat.SAFETENSORS).withEma(EmaMode.ONLY))
                .output();
        Map<String, String> in = tensorHashes(trainingCkpt);
        Map<String, String> o = tensorHashes(out);
        assertTrue(o.keySet().stream().noneMatch(EmaKeys::isEmaKey));
        int unet = 0;
        for (String k : o.keySet()) {
            if (k.startsWith("model.diffusion_model.")) {
                assertEquals(in.get(EmaKeys.emaKeyFor(k)), o.get(k), k);
                assertNotEquals(in.get(k), o.get(k), "EMA twins differ from the live weights: " + k);
                unet++;
            } else {
                assertEquals(in.get(k), o.get(k), k);
            }
        }
        assertEquals(686, unet);
    }

    @Test
    void emaOnlyRefusesAFileWithAMissingTwinAndWritesNothing() throws IOException {
        String twin = EmaKeys.emaKeyFor(UNET_W);
        Path broken = TestCheckpoints.copyTensors(trainingCkpt, shared.resolve("missing-twin.safetensors"),
                k -> !k.equals(twin), Map.of());
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> slim(broken, "x.safetensors", opts(CheckpointFormat.SAFETENSORS).withEma(EmaMode.ONLY)));
        assertTrue(e.getMessage().contains("no EMA twin") && e.getMessage().contains(UNET_W), e.getMessage());
        assertEquals(List.of(), files());
        assertThrows(CheckpointException.class,
                () -> slim(plainSafetensors, "y.safetensors", opts(CheckpointFormat.SAFETENSORS).withEma(EmaMode.ONLY)));
    }

    @Test
    void emaDropRemovesEveryModelEmaTensor() throws IOException {
        SlimResult r = slim(trainingCkpt, "d.ckpt", opts(CheckpointFormat.TORCH_ZIP).withEma(EmaMode.DROP));
        Map<String, String> o = tensorHashes(r.output());
        assertTrue(o.keySet().stream().noneMatch(k -> k.startsWith("model_ema")));
        assertEquals(1833 - 688, o.size());
        assertTrue(r.actions().stream().anyMatch(a -> a.startsWith("dropped 688 EMA tensors")), r.actions().toString());
    }

    @Test
    void dropJunkRemovesTrainingStateAndStateDictLeftovers() throws IOException {
        SlimOptions o = opts(CheckpointFormat.TORCH_ZIP).withSwitches(false, true, false);
        Path out = slim(trainingCkpt, "j.ckpt", o).output();
        try (Checkpoint cp = Checkpoint.open(out)) {
            assertTrue(cp.names().stream().noneMatch(k -> k.startsWith("embedding_manager.") || k.startsWith("lora_te_")));
            assertEquals(List.of(), List.copyOf(cp.torch().orElseThrow().extras().keySet()));
        }
        // Without --drop-junk, a ckpt keeps the training state torch's weights-only loader accepts.
        try (Checkpoint cp = Checkpoint.open(slim(trainingCkpt, "k.ckpt", opts(CheckpointFormat.TORCH_ZIP)).output())) {
            assertEquals(List.of("epoch", "global_step", "pytorch-lightning_version"),
                    List.copyOf(cp.torch().orElseThrow().extras().keySet()));
        }
    }

    @Test
    void keepOnlyKnownDropsTensorsOutsideTheArchitecture() throws IOException {
        SlimOptions o = opts(CheckpointFormat.SAFETENSORS).withSwitches(false, false, true);
        Map<String, String> in = tensorHashes(plainSafetensors);
        Map<String, String> out = tensorHashes(slim(plainSafetensors, "k.safetensors", o).output());
        assertEquals(in.size() - 2, out.size());
        assertFalse(out.containsKey("lora_te_text_model_encoder_layers_0_mlp_fc1.lora_down.weight"));
    }

    @Test
    void fixClipRepairsBrokenFloatPositionIds() throws IOException {
        ByteBuffer broken = ByteBuffer.allocate(77 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 77; i++) {
            broken.putFloat(i == 40 ? 39.99998f : i);
        }
        Path in = TestCheckpoints.editTensors(plainSafetensors, shared.resolve("broken-clip.safetensors"),
                t -> t.name().equals(POS_IDS)
                        ? InMemoryTensorData.tensor(POS_IDS, DType.F32, new long[] {1, 77}, broken.array()) : t,
                Map.of());
        SlimOptions o = opts(CheckpointFormat.SAFETENSORS).withSwitches(true, false, false);
        SlimResult r = slim(in, "fixed.safetensors", o);
        assertTrue(r.actions().stream().anyMatch(a -> a.contains("broken: 1 non-integral")), r.actions().toString());
        try (Checkpoint cp = Checkpoint.open(r.output())) {
            StoredTensor p = cp.tensor(POS_IDS).orElseThrow();
            assertEquals(DType.I64, p.dtype());
            assertArrayEquals(new long[] {1, 77}, p.shape());
            double[] v = TensorValues.read(cp, p);
            for (int i = 0; i < 77; i++) {
                assertEquals(i, v[i]);
            }
        }
    }

    @Test
    void fixClipRenamesOldNovelAiTextEncoderKeys() throws IOException {
        String modern = "cond_stage_model.transformer.text_model.";
        String old = "cond_stage_model.transformer.";
        Path in = TestCheckpoints.editTensors(plainSafetensors, shared.resolve("novelai.safetensors"),
                t -> t.name().startsWith(modern) ? new dev.sdfarm.checkpoint.OutputTensor(
                        old + t.name().substring(modern.length()), t.shape(), t.storage(), 0, t.strides()) : t,
                Map.of());
        SlimOptions o = opts(CheckpointFormat.SAFETENSORS).withSwitches(true, false, false);
        Path out = slim(in, "renamed.safetensors", o).output();
        assertEquals(tensorHashes(plainSafetensors), tensorHashes(out));
    }

    @Test
    void bakeVaeReplacesTheVaeAndSkipsTrainingOnlyKeys() throws IOException {
        Path other = TestCheckpoints.tiny(dir, "other.safetensors", CheckpointFormat.SAFETENSORS, false, false, 9);
        String vaePrefix = "first_stage_model.";
        ByteBuffer lossWeight = ByteBuffer.allocate(16);
        Path vae = TestCheckpoints.editTensors(other, dir.resolve("vae.safetensors"), t -> {
            if (t.name().startsWith(vaePrefix)) {
                return new dev.sdfarm.checkpoint.OutputTensor(t.name().substring(vaePrefix.length()), t.shape(),
                        t.storage(), 0, t.strides());
            }
            return t.name().equals("betas")
                    ? InMemoryTensorData.tensor("loss.discriminator.weight", DType.F32, new long[] {4}, lossWeight.array())
                    : null;
        }, Map.of());
        Files.delete(other);
        SlimOptions o = opts(CheckpointFormat.SAFETENSORS).withBakeVae(vae);
        SlimResult r = slim(plainSafetensors, "baked.safetensors", o);
        assertTrue(r.actions().stream().anyMatch(a -> a.contains("baked 248 VAE tensors") && a.contains("skipped 1")),
                r.actions().toString());
        Map<String, String> in = tensorHashes(plainSafetensors);
        Map<String, String> baked = tensorHashes(r.output());
        Map<String, String> vaeHashes = tensorHashes(vae);
        for (String k : in.keySet()) {
            if (k.startsWith(vaePrefix)) {
                assertEquals(vaeHashes.get(k.substring(vaePrefix.length())), baked.get(k), k);
                assertNotEquals(in.get(k), baked.get(k), k);
            } else {
                assertEquals(in.get(k), baked.get(k), k);
            }
        }
        assertTrue(Files.readString(dir.resolve("baked.safetensors"), java.nio.charset.StandardCharsets.ISO_8859_1)
                .contains("bake-vae=" + TestCheckpoints.sha256(Files.readAllBytes(vae))), "provenance names the VAE");
    }

    @Test
    void bakeVaeRefusesAVaeOfAnotherShape() throws IOException {
        Path vae = TestCheckpoints.editTensors(plainSafetensors, dir.resolve("wrong-vae.safetensors"),
                t -> t.name().equals("first_stage_model.decoder.conv_out.bias")
                        ? InMemoryTensorData.tensor("decoder.conv_out.bias", DType.F32, new long[] {4}, new byte[16])
                        : t.name().startsWith("first_stage_model.") ? t : null, Map.of());
        SlimOptions o = opts(CheckpointFormat.SAFETENSORS).withBakeVae(vae);
        CheckpointException e = assertThrows(CheckpointException.class, () -> slim(plainSafetensors, "x.safetensors", o));
        assertTrue(e.getMessage().contains("decoder.conv_out.bias has shape [4]"), e.getMessage());
        assertEquals(List.of(vae), files());
    }

    @Test
    void componentOpsCopyAndDelete() throws IOException {
        SlimOptions o = opts(CheckpointFormat.SAFETENSORS).withPrecision(DType.BF16)
                .withComponents(ComponentOp.CONVERT, ComponentOp.DELETE, ComponentOp.COPY, ComponentOp.CONVERT);
        Map<String, String> types = tensorTypes(slim(plainSafetensors, "c.safetensors", o).output());
        assertTrue(types.keySet().stream().noneMatch(k -> k.startsWith("cond_stage_model.")));
        assertTrue(types.entrySet().stream().filter(e -> e.getKey().startsWith("first_stage_model."))
                .allMatch(e -> e.getValue().startsWith("fp32")));
        assertTrue(types.entrySet().stream().filter(e -> e.getKey().startsWith("model.diffusion_model."))
                .allMatch(e -> e.getValue().startsWith("bf16")));
    }

    @Test
    void overflowingValuesAreCountedAndReported() throws IOException {
        ByteBuffer big = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putFloat(1e5f).putFloat(-7e4f)
                .putFloat(65504f).putFloat(Float.POSITIVE_INFINITY);
        Path in = TestCheckpoints.editTensors(plainSafetensors, dir.resolve("big.safetensors"),
                t -> t.name().equals("model.diffusion_model.out.2.bias")
                        ? InMemoryTensorData.tensor(t.name(), DType.F32, new long[] {4}, big.array()) : t, Map.of());
        SlimResult r = slim(in, "h.safetensors", opts(CheckpointFormat.SAFETENSORS).withPrecision(DType.F16));
        assertEquals(2, r.overflows());
        assertTrue(r.warnings().getFirst().startsWith("2 values overflowed fp16 in 1 tensor "), r.warnings().toString());
    }

    @Test
    void refusesToOverwriteWithoutForceAndNeverWritesOverTheInput() throws IOException {
        Path out = dir.resolve("out.safetensors");
        Files.writeString(out, "precious");
        assertThrows(OutputExistsException.class,
                () -> Slimmer.slim(plainSafetensors, out, opts(CheckpointFormat.SAFETENSORS), false, null, Progress.NONE));
        assertEquals("precious", Files.readString(out));
        Path input = Files.copy(plainSafetensors, dir.resolve("input.safetensors"));
        OutputExistsException e = assertThrows(OutputExistsException.class,
                () -> Slimmer.slim(input, input, opts(CheckpointFormat.SAFETENSORS), true, null, Progress.NONE));
        assertTrue(e.getMessage().contains("never writes over its input"), e.getMessage());
        assertEquals(tensorHashes(plainSafetensors), tensorHashes(input));
    }

    @Test
    void tiedAndViewedTensorsStaySharedInCkptOutputAndAreMaterialisedInSafetensors() throws IOException {
        Path in = TestBytes.resourceFile("torch/shared_storage.pt", dir);
        Path ckpt = slim(in, "shared.ckpt", opts(CheckpointFormat.TORCH_ZIP).withPrecision(DType.F16)).output();
        Path st = slim(in, "shared.safetensors", opts(CheckpointFormat.SAFETENSORS).withPrecision(DType.F16)).output();
        try (Checkpoint a = Checkpoint.open(in); Checkpoint c = Checkpoint.open(ckpt)) {
            Map<String, String> storageOf = new HashMap<>();
            for (StoredTensor t : a.tensors()) {
                StoredTensor o = c.tensor(t.name()).orElseThrow();
                assertArrayEquals(t.strides(), o.strides(), t.name());
                assertEquals(t.storageOffset(), o.storageOffset(), t.name());
                storageOf.put(t.name(), o.storage().key());
            }
            assertEquals(storageOf.get("tied_a"), storageOf.get("tied_b"));
            assertEquals(storageOf.get("tied_a"), storageOf.get("transposed"));
            assertEquals(storageOf.get("embed.weight"), storageOf.get("lm_head.weight"));
            assertNotEquals(storageOf.get("tied_a"), storageOf.get("alone"));
        }
        assertEquals(tensorHashes(ckpt), tensorHashes(st), "views read the same values in both formats");
    }

    @Test
    void fp8OutputToCkptIsRefusedBeforeWriting() {
        CheckpointException e = assertThrows(CheckpointException.class, () -> slim(plainSafetensors, "x.ckpt",
                opts(CheckpointFormat.TORCH_ZIP).withPrecision(DType.F8_E4M3FN)));
        assertTrue(e.fix().contains("safetensors"), e.userMessage());
    }

    @Test
    @SuppressWarnings("unchecked")
    void ckptOutputLoadsWithTorchWeightsOnlyAndHoldsTheSameTensors() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.sdfarm.checkpoint.torch.PythonTorch.available(),
                dev.sdfarm.checkpoint.torch.PythonTorch.SKIP_MESSAGE);
        Path out = slim(trainingCkpt, "w.ckpt", opts(CheckpointFormat.TORCH_ZIP).withPrecision(DType.BF16)).output();
        Path loader = dir.resolve("load.py");
        Files.write(loader, TestBytes.resource("torch/load_with_torch.py"));
        var run = dev.sdfarm.checkpoint.torch.PythonTorch.run(List.of(loader.toString(), out.toString()), 300);
        assertEquals(0, run.exitCode(), "torch.load(weights_only=True) failed: " + run.stderr());
        Map<String, Object> seen = (Map<String, Object>) dev.sdfarm.checkpoint.json.StrictJson.parse(
                run.lines().getFirst().getBytes());
        Map<String, String> torchHashes = new HashMap<>();
        for (Object o : (List<Object>) seen.get("tensors")) {
            Map<String, Object> t = (Map<String, Object>) o;
            torchHashes.put((String) t.get("name"), (String) t.get("sha256"));
        }
        assertEquals(tensorHashes(out), torchHashes);
        Map<String, Object> others = (Map<String, Object>) seen.get("others");
        assertEquals(6L, others.get("epoch"));
        assertTrue(((Map<String, Object>) others.get("sdfarm_metadata")).containsKey(Provenance.SOURCE_SHA256));
    }
}

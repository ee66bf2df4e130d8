package dev.sdfarm.checkpoint.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.OutputStorage;
import dev.sdfarm.checkpoint.OutputTensor;
import dev.sdfarm.checkpoint.Storage;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.checkpoint.pickle.PyDict;
import dev.sdfarm.checkpoint.pickle.PyList;
import dev.sdfarm.checkpoint.pickle.PyTuple;
import dev.sdfarm.checkpoint.pickle.WeightsOnlyCheck;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Archives written by {@link TorchArchiveWriter} must load with real {@code torch.load(f, weights_only=True)}
 * (PyTorch 1.13) and give back exactly the tensors written: bytes, dtypes, shapes, strides, offsets and storage
 * sharing. One Python process checks all archives, to keep the test fast.
 */
class TorchLoadInteropTest {
    private static final Map<String, DType> TORCH_DTYPES = Map.of(
            "torch.float32", DType.F32, "torch.float16", DType.F16, "torch.bfloat16", DType.BF16,
            "torch.float64", DType.F64, "torch.int64", DType.I64, "torch.int32", DType.I32, "torch.int16", DType.I16,
            "torch.int8", DType.I8, "torch.uint8", DType.U8, "torch.bool", DType.BOOL);

    @BeforeAll
    static void requireTorch() {
        assumeTrue(PythonTorch.available(), PythonTorch.SKIP_MESSAGE);
    }

    @Test
    @SuppressWarnings("unchecked")
    void torchLoadsWrittenArchivesWithWeightsOnlyAndGetsTheSameTensors(@TempDir Path dir) throws IOException {
        Map<String, Object> graphs = new LinkedHashMap<>();
        Map<String, TorchArchiveWriter> writers = new HashMap<>();
        graphs.put("mixed.pt", TorchArchiveWriterTest.sampleStateDict());
        graphs.put("zip64.pt", TorchArchiveWriterTest.sampleStateDict());
        writers.put("zip64.pt", new TorchArchiveWriter().zip64Thresholds(0, 0));
        graphs.put("ldm.ckpt", ldmGraph());
        graphs.put("hypernetwork.pt", hypernetworkGraph());
        graphs.put("converted.ckpt", convertedFixture("ldm_style.ckpt"));
        graphs.put("floats.pt", floatGraph());
        writers.put("floats.pt", new TorchArchiveWriter().tolerating(EnumSet.of(WeightsOnlyCheck.Issue.FLOAT)));

        List<String> args = new ArrayList<>();
        args.add(PythonTorch.script("load_with_torch.py").toString());
        for (Map.Entry<String, Object> g : graphs.entrySet()) {
            Path file = dir.resolve(g.getKey());
            try (OutputStream out = Files.newOutputStream(file); WritableByteChannel ch = Channels.newChannel(out)) {
                writers.getOrDefault(g.getKey(), new TorchArchiveWriter()).write(g.getValue(), ch::write);
            }
            if (g.getKey().equals("floats.pt")) {
                args.add("--full"); // torch 1.13's weights-only loader has no BINFLOAT; newer torch does
            }
            args.add(file.toString());
        }
        PythonTorch.Result r = PythonTorch.run(args, 300);
        assertEquals(0, r.exitCode(), r.stderr());
        List<String> lines = r.lines();
        assertEquals(graphs.size(), lines.size(), r.stdout());

        int i = 0;
        for (Map.Entry<String, Object> g : graphs.entrySet()) {
            Map<String, Object> loaded = (Map<String, Object>) TorchFixtures.json(lines.get(i++));
            String file = g.getKey();
            assertEquals(Boolean.TRUE, loaded.get("crc_ok"), file + ": zip CRCs");
            List<Map<String, Object>> tensors = (List<Map<String, Object>>) loaded.get("tensors");
            List<OutputTensor> written = outputTensors(g.getValue());
            assertEquals(written.stream().map(OutputTensor::name).toList(),
                    tensors.stream().map(t -> t.get("name")).toList(), file);
            Map<String, Object> groups = new HashMap<>();
            for (int k = 0; k < written.size(); k++) {
                OutputTensor want = written.get(k);
                Map<String, Object> got = tensors.get(k);
                String what = file + " " + want.name();
                assertEquals(want.dtype(), TORCH_DTYPES.get((String) got.get("dtype")), what);
                assertEquals(boxed(want.shape()), got.get("shape"), what);
                if (want.numel() > 1) {
                    assertEquals(boxed(want.strides()), got.get("stride"), what);
                }
                assertEquals(want.storageOffset(), got.get("storage_offset"), what);
                assertEquals(TorchFixtures.sha256(gather(want)), got.get("sha256"), what);
                assertEquals(got.get("storage_group"), groups.computeIfAbsent(want.storage().identity(),
                        id -> got.get("storage_group")), what + " storage sharing");
            }
        }
        Map<String, Object> mixed = (Map<String, Object>) TorchFixtures.json(lines.get(0));
        assertEquals(Map.of("", Map.of("version", 1L)), mixed.get("metadata_attr"));
        Map<String, Object> ldm = (Map<String, Object>) TorchFixtures.json(lines.get(2));
        Map<String, Object> others = (Map<String, Object>) ldm.get("others");
        assertEquals(470000L, others.get("global_step"));
        assertEquals(Map.of("converted_by", "sdfarm"), others.get("sdfarm_metadata"));
        assertEquals(List.of(List.of(1L, "a", true), "b"), others.get("nested"));
        Map<String, Object> floats = (Map<String, Object>) TorchFixtures.json(lines.get(5));
        assertEquals(1e-4, ((Map<String, Object>) floats.get("others")).get("lr"));
        List<List<Object>> zip64Entries = (List<List<Object>>) ((Map<String, Object>) TorchFixtures.json(lines.get(1)))
                .get("entries");
        assertTrue(zip64Entries.stream().allMatch(e -> ((Long) e.get(2)) == 0L), "stored entries");
    }

    private static List<Long> boxed(long[] v) {
        return Arrays.stream(v).boxed().toList();
    }

    /** The tensors of a graph's state dict, in the order torch's flattening sees them. */
    private static List<OutputTensor> outputTensors(Object graph) {
        Object sd = graph instanceof PyDict d && d.get("state_dict") instanceof PyDict s ? s : graph;
        List<OutputTensor> out = new ArrayList<>();
        collect(sd, out);
        return out;
    }

    private static void collect(Object v, List<OutputTensor> out) {
        switch (v) {
            case OutputTensor t -> out.add(t);
            case PyDict d -> d.entries().forEach((k, x) -> {
                if (!"sdfarm_metadata".equals(k)) {
                    collect(x, out);
                }
            });
            case PyList l -> l.items().forEach(x -> collect(x, out));
            case PyTuple t -> t.items().forEach(x -> collect(x, out));
            default -> {
            }
        }
    }

    /** A tensor's elements in row-major order from its storage's bytes. */
    static byte[] gather(OutputTensor t) {
        byte[] storage = ArrayTensorData.bytesOf(t.storage());
        Storage s = new Storage("s", t.dtype(), 0, storage.length);
        return TorchFixtures.contiguousBytes(storage, new StoredTensor(t.name(), t.dtype(), t.shape(), s,
                t.storageOffset(), t.strides()));
    }

    private static Object ldmGraph() {
        PyDict root = PyDict.dict();
        root.put("epoch", 6L);
        root.put("global_step", 470000L);
        PyDict sd = PyDict.orderedDict();
        OutputStorage w = ArrayTensorData.random("w", DType.F16, 12, 11);
        sd.put("model.diffusion_model.w", OutputTensor.whole("model.diffusion_model.w", new long[] {3, 4}, w));
        sd.put("model.diffusion_model.w_t", new OutputTensor("model.diffusion_model.w_t", new long[] {4, 3}, w, 0,
                new long[] {1, 4}));
        sd.put("first_stage_model.b", OutputTensor.whole("first_stage_model.b", new long[] {2},
                ArrayTensorData.random("b", DType.F32, 2, 12)));
        root.put("state_dict", sd);
        PyDict md = PyDict.dict();
        md.put("converted_by", "sdfarm");
        root.put("sdfarm_metadata", md);
        root.put("nested", new PyList(List.of(PyTuple.of(1L, "a", true), "b")));
        return root;
    }

    private static Object hypernetworkGraph() {
        PyDict root = PyDict.dict();
        for (long width : new long[] {8, 16}) {
            PyList layers = new PyList();
            for (int l = 0; l < 2; l++) {
                PyDict layer = PyDict.orderedDict();
                OutputStorage s = ArrayTensorData.random("hn" + width + l, DType.F32, width * 2, width + l);
                layer.put("linear.0.weight", OutputTensor.whole(width + "." + l + ".linear.0.weight",
                        new long[] {2, width}, s));
                layers.add(layer);
            }
            root.put(width, layers);
        }
        root.put("name", "sdfarm-hn");
        root.put("layer_structure", new PyList(List.of(1L, 2L, 1L)));
        return root;
    }

    private static Object floatGraph() {
        PyDict root = PyDict.dict();
        root.put("w", OutputTensor.whole("w", new long[] {2}, ArrayTensorData.random("w", DType.F64, 2, 9)));
        root.put("lr", 1e-4);
        return root;
    }

    /**
     * A converter's round trip: read a torch-made LDM checkpoint, keep its state dict (tensors mapped to output
     * tensors over the file's bytes, sharing kept) and its weights-only-safe extras, write it again.
     */
    private static Object convertedFixture(String fixture) throws IOException {
        byte[] file = TorchFixtures.bytes(fixture);
        TorchContents c = TorchFixtures.read(file);
        Map<String, OutputStorage> storages = new HashMap<>();
        PyDict sd = PyDict.orderedDict();
        for (StoredTensor t : c.tensors()) {
            Storage s = t.storage();
            OutputStorage out = storages.computeIfAbsent(s.key(), k -> new OutputStorage(k, s.dtype(), s.numel(),
                    new ArrayTensorData(Arrays.copyOfRange(file, (int) s.fileOffset(),
                            (int) (s.fileOffset() + s.byteSize())), 1024)));
            sd.put(t.name(), new OutputTensor(t.name(), t.shape(), out, t.storageOffset(), t.strides()));
        }
        PyDict root = PyDict.dict();
        root.put("state_dict", sd);
        for (Map.Entry<String, Object> e : c.extras().entrySet()) {
            if (WeightsOnlyCheck.isWeightsOnlySafe(e.getValue())) {
                root.put(e.getKey(), e.getValue());
            }
        }
        assertEquals(List.of("state_dict", "epoch", "global_step", "pytorch-lightning_version", "lr_schedulers"),
                List.copyOf(root.entries().keySet().stream().map(Object::toString).toList()));
        return root;
    }
}

package dev.sdfarm.checkpoint.pickle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.ByteSink;
import dev.sdfarm.checkpoint.CheckpointException;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.OutputStorage;
import dev.sdfarm.checkpoint.OutputTensor;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.checkpoint.TensorData;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TorchPicklerTest {

    /** Storage whose bytes are never needed by the pickler. */
    static OutputStorage storage(String id, DType dtype, long numel) {
        return new OutputStorage(id, dtype, numel, new TensorData() {
            @Override
            public long byteSize() {
                return numel * dtype.size();
            }

            @Override
            public void writeTo(ByteSink sink) {
                throw new AssertionError("the pickler never reads tensor bytes");
            }
        });
    }

    private static Object roundTrip(Object graph) {
        return roundTrip(graph, Set.of());
    }

    private static Object roundTrip(Object graph, Set<WeightsOnlyCheck.Issue> tolerated) {
        return TestStorages.load(TorchPickler.pickle(graph, tolerated).pickle());
    }

    @Test
    void writesTensorsAsRebuildTensorV2ViewsOfNumberedStorages() {
        OutputStorage w = storage("w", DType.F16, 24);
        OutputStorage b = storage("b", DType.F32, 4);
        PyDict sd = PyDict.orderedDict();
        sd.put("w", OutputTensor.whole("w", new long[] {4, 6}, w));
        sd.put("w.T", new OutputTensor("w.T", new long[] {6, 4}, w, 0, new long[] {1, 6}));
        sd.put("b", OutputTensor.whole("b", new long[] {4}, b));
        sd.put("row", new OutputTensor("row", new long[] {6}, w, 12, new long[] {1}));

        TorchPickler.Result r = TorchPickler.pickle(sd);
        assertEquals(List.of(w, b), r.storages());
        PyDict back = assertInstanceOf(PyDict.class, TestStorages.load(r.pickle()));
        assertEquals(PyDict.Kind.ORDERED_DICT, back.kind());
        StoredTensor t = (StoredTensor) back.get("w.T");
        assertEquals("data/0", t.storage().key());
        assertEquals(DType.F16, t.dtype());
        assertArrayEquals(new long[] {1, 6}, t.strides());
        assertEquals("data/1", ((StoredTensor) back.get("b")).storage().key());
        assertEquals(12, ((StoredTensor) back.get("row")).storageOffset());
    }

    @Test
    void writesEachSharedStorageReferenceAndGlobalOnce() {
        OutputStorage w = storage("w", DType.F32, 8);
        PyDict sd = PyDict.orderedDict();
        for (int i = 0; i < 5; i++) {
            sd.put("t" + i, new OutputTensor("t" + i, new long[] {2}, w, 2L * i % 8, new long[] {1}));
        }
        String text = new String(TorchPickler.pickle(sd).pickle(), StandardCharsets.ISO_8859_1);
        assertEquals(1, count(text, "FloatStorage"));
        assertEquals(1, count(text, "_rebuild_tensor_v2"));
        assertEquals(1, count(text, "OrderedDict"));
        assertEquals(1, count(text, "storage"));
    }

    private static int count(String haystack, String needle) {
        int n = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void roundTripsPlainValuesContainersAndAttributes() {
        PyDict root = PyDict.dict();
        root.put("ints", new PyList(List.of(0L, 255L, 256L, 65535L, 65536L, -1L, (long) Integer.MIN_VALUE,
                Long.MAX_VALUE, Long.MIN_VALUE, BigInteger.TWO.pow(200).negate())));
        root.put("str", "h\u00e9llo \u2603 \ud83d\ude00");
        root.put("tuples", new PyList(List.of(PyTuple.empty(), PyTuple.of(1L), PyTuple.of(1L, 2L),
                PyTuple.of(1L, 2L, 3L), PyTuple.of(1L, 2L, 3L, 4L))));
        root.put(7L, PyNone.NONE);
        root.put(PyTuple.of("k", 1L), Boolean.TRUE);
        PyDict od = PyDict.orderedDict();
        od.put("z", Boolean.FALSE);
        PyDict meta = PyDict.orderedDict();
        meta.put("", PyDict.dict());
        od.setAttribute("_metadata", meta);
        root.put("od", od);
        PyList big = new PyList();
        PyDict bigDict = PyDict.dict();
        for (long i = 0; i < 2500; i++) {
            big.add(i);
            bigDict.put(i, -i);
        }
        root.put("big", big);
        root.put("bigDict", bigDict);

        PyDict back = assertInstanceOf(PyDict.class, roundTrip(root));
        assertEquals(UnpicklerProtocolTest.canon(root, new java.util.IdentityHashMap<>()),
                UnpicklerProtocolTest.canon(back, new java.util.IdentityHashMap<>()));
        assertInstanceOf(PyDict.class, ((PyDict) back.get("od")).attributes().get("_metadata"));
    }

    @Test
    void keepsSharingAndCyclesThroughTheMemo() {
        PyList shared = new PyList(List.of(1L));
        PyList cyclic = new PyList();
        cyclic.add(cyclic);
        PyDict root = PyDict.dict();
        root.put("a", shared);
        root.put("b", shared);
        root.put("c", cyclic);
        PyDict back = (PyDict) roundTrip(root);
        assertSame(back.get("a"), back.get("b"));
        PyList c = (PyList) back.get("c");
        assertSame(c, c.get(0));
        assertNotSame(shared, back.get("a"));
    }

    @Test
    void writesTheSameTensorObjectOnceAndItsTwinsAsViewsOfOneStorage() {
        OutputStorage w = storage("w", DType.F32, 4);
        OutputTensor t = OutputTensor.whole("t", new long[] {4}, w);
        PyDict root = PyDict.dict();
        root.put("a", t);
        root.put("b", t);
        PyDict back = (PyDict) roundTrip(root);
        assertSame(back.get("a"), back.get("b"));
    }

    @Test
    void refusesWhatTorchsWeightsOnlyLoaderWouldRefuseUnlessTolerated() {
        PyDict root = PyDict.dict();
        root.put("lr", 0.5);
        root.put("tags", new PySet());
        root.put("blob", PyBytes.of(new byte[] {0, (byte) 0xff}));
        CheckpointException e = assertThrows(CheckpointException.class, () -> TorchPickler.pickle(root));
        assertTrue(e.getMessage().contains("3 value(s)"), e.getMessage());
        assertEquals("lr", e.where());

        PyDict back = (PyDict) roundTrip(root, TorchPickler.writableIssues());
        assertEquals(0.5, back.get("lr"));
        assertInstanceOf(PySet.class, back.get("tags"));
        assertArrayEquals(new byte[] {0, (byte) 0xff}, ((PyBytes) back.get("blob")).toByteArray());
    }

    @Test
    void neverWritesNumpyValuesOrClassTokens() {
        PyDict root = PyDict.dict();
        root.put(new PyGlobal("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint"), PyDict.dict());
        assertThrows(CheckpointException.class, () -> TorchPickler.pickle(root, TorchPickler.writableIssues()));
    }

    @Test
    void writesParameterDictAsOrderedDictWhenTolerated() {
        PyDict pd = new PyDict(PyDict.Kind.PARAMETER_DICT);
        pd.put("*", OutputTensor.whole("*", new long[] {2}, storage("p", DType.F32, 2)));
        PyDict root = PyDict.dict();
        root.put("string_to_param", pd);
        assertThrows(CheckpointException.class, () -> TorchPickler.pickle(root));
        PyDict back = (PyDict) roundTrip(root, EnumSet.of(WeightsOnlyCheck.Issue.PARAMETER_DICT));
        assertEquals(PyDict.Kind.ORDERED_DICT, ((PyDict) back.get("string_to_param")).kind());
    }

    @Test
    void rejectsStoragesSharingAnIdentityWithDifferentShapes() {
        PyDict sd = PyDict.orderedDict();
        sd.put("a", OutputTensor.whole("a", new long[] {4}, storage("s", DType.F32, 4)));
        sd.put("b", OutputTensor.whole("b", new long[] {4}, storage("s", DType.F16, 4)));
        assertThrows(IllegalArgumentException.class, () -> TorchPickler.pickle(sd));
    }
}

package dev.sdfarm.checkpoint.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.CheckpointException;
import dev.sdfarm.checkpoint.CheckpointFormat;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.checkpoint.pickle.NumpyArray;
import dev.sdfarm.checkpoint.pickle.NumpyScalar;
import dev.sdfarm.checkpoint.pickle.PyDict;
import dev.sdfarm.checkpoint.pickle.PyGlobal;
import dev.sdfarm.checkpoint.pickle.PyList;
import dev.sdfarm.checkpoint.pickle.PyNone;
import dev.sdfarm.checkpoint.pickle.PySet;
import dev.sdfarm.checkpoint.pickle.PyTuple;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The reader against archives written by real {@code torch.save}, compared with what torch itself loads. */
class TorchArchiveReaderFixtureTest {

    @ParameterizedTest
    @ValueSource(strings = {"plain_state_dict.pt", "ldm_style.ckpt", "dtypes.pt", "shared_storage.pt",
            "parameters.pt", "textual_inversion.pt", "hypernetwork.pt", "with_metadata.pt"})
    @SuppressWarnings("unchecked")
    void readsTensorsExactlyAsTorchLoadsThem(String fixture) throws IOException {
        byte[] file = TorchFixtures.bytes(fixture);
        Map<String, Object> expected = TorchFixtures.expected(fixture);
        TorchContents contents;
        try (FileChannel ch = FileChannel.open(TorchFixtures.path(fixture), StandardOpenOption.READ)) {
            contents = TorchArchiveReader.read(ch, ch.size());
        }

        assertEquals(expected.get("archive_name"), contents.archiveName());
        assertEquals(expected.get("state_dict_path"), contents.stateDictPath());
        assertEquals(expected.get("extras"), new ArrayList<>(contents.extras().keySet()));
        assertEquals(expected.get("metadata"), contents.metadata());

        List<Map<String, Object>> tensors = (List<Map<String, Object>>) expected.get("tensors");
        assertEquals(tensors.stream().map(t -> t.get("name")).toList(),
                contents.tensors().stream().map(StoredTensor::name).toList());
        Map<Object, Object> groupOfStorage = new HashMap<>();
        for (int i = 0; i < tensors.size(); i++) {
            Map<String, Object> want = tensors.get(i);
            StoredTensor got = contents.tensors().get(i);
            String name = got.name();
            assertEquals(DType.fromSafetensorsName((String) want.get("dtype")).orElseThrow(), got.dtype(), name);
            assertEquals(want.get("shape"), boxed(got.shape()), name);
            assertEquals(want.get("stride"), boxed(got.strides()), name);
            assertEquals(want.get("storage_offset"), got.storageOffset(), name);
            assertEquals(want.get("sha256"), TorchFixtures.sha256(TorchFixtures.contiguousBytes(file, got)), name);
            // Tensors share a storage exactly when torch's loaded tensors do.
            Object group = groupOfStorage.computeIfAbsent(got.storage().key(), k -> want.get("storage_group"));
            assertEquals(want.get("storage_group"), group, name + " storage sharing");
        }
        assertEquals(Set.copyOf(groupOfStorage.values()).size(), groupOfStorage.size());
    }

    private static List<Long> boxed(long[] values) {
        return Arrays.stream(values).boxed().toList();
    }

    @Test
    void storagesAreZeroCopyViewsAt64ByteAlignedOffsetsInTheFile() throws IOException {
        TorchContents c = TorchFixtures.read(TorchFixtures.bytes("dtypes.pt"));
        for (StoredTensor t : c.tensors()) {
            assertEquals(0, t.storage().fileOffset() % 64, t.name());
            assertTrue(t.storage().key().startsWith("data/"), t.storage().key());
        }
    }

    @Test
    void keepsLightningTrainingStateAsExtrasWithNumpyValuesAndTheModelCheckpointKey() throws IOException {
        TorchContents c = TorchFixtures.read(TorchFixtures.bytes("ldm_style.ckpt"));
        assertEquals(470000L, c.extras().get("global_step"));
        assertEquals(6L, c.extras().get("epoch"));
        assertEquals("1.4.2", c.extras().get("pytorch-lightning_version"));

        PyDict callbacks = assertInstanceOf(PyDict.class, c.extras().get("callbacks"));
        PyGlobal modelCheckpoint = new PyGlobal("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint");
        PyDict state = assertInstanceOf(PyDict.class, callbacks.get(modelCheckpoint));
        NumpyScalar score = assertInstanceOf(NumpyScalar.class, state.get("best_model_score"));
        assertEquals("<f8", score.dtype().descr());
        assertEquals(0.25, score.toDouble().orElseThrow());
        assertSame(PyNone.NONE, state.get("monitor"));
        NumpyArray kth = assertInstanceOf(NumpyArray.class, state.get("kth_values"));
        assertEquals("<i4", kth.dtype().descr());
        assertEquals(List.of(2L, 3L), boxed(kth.shape()));
        assertEquals(24, kth.data().length());

        PySet tags = assertInstanceOf(PySet.class, c.extras().get("tags"));
        assertEquals(Set.of("sd", "v1"), Set.copyOf(tags.items()));

        PyList optimizer = assertInstanceOf(PyList.class, c.extras().get("optimizer_states"));
        PyDict adam = assertInstanceOf(PyDict.class, optimizer.get(0));
        PyDict paramState = (PyDict) ((PyDict) adam.get("state")).get(0L);
        StoredTensor expAvg = assertInstanceOf(StoredTensor.class, paramState.get("exp_avg"));
        assertEquals("optimizer_states.0.state.0.exp_avg", expAvg.name());
        PyDict group = (PyDict) ((PyList) adam.get("param_groups")).get(0);
        assertEquals(1e-4, group.get("lr"));
        assertEquals(PyTuple.of(0.9, 0.999), group.get("betas"));

        // The state dict is an OrderedDict with the module versions torch keeps in _metadata.
        PyDict sd = assertInstanceOf(PyDict.class, ((PyDict) c.root()).get("state_dict"));
        assertEquals(PyDict.Kind.ORDERED_DICT, sd.kind());
        assertInstanceOf(PyDict.class, sd.attributes().get("_metadata"));
        assertSame(c.tensors().get(0), sd.get(c.tensors().get(0).name()));
    }

    @Test
    void readsTextualInversionParameterDictAsOrderedDictOfItsParameters() throws IOException {
        TorchContents c = TorchFixtures.read(TorchFixtures.bytes("textual_inversion.pt"));
        assertEquals(List.of("string_to_param.*"), c.tensors().stream().map(StoredTensor::name).toList());
        PyDict params = assertInstanceOf(PyDict.class, ((PyDict) c.root()).get("string_to_param"));
        assertEquals(PyDict.Kind.PARAMETER_DICT, params.kind());
        assertEquals(List.of("*"), List.copyOf(params.entries().keySet()));
        assertEquals(265L, ((PyDict) ((PyDict) c.root()).get("string_to_token")).get("*"));
        assertTrue(c.extras().isEmpty());
    }

    @Test
    void namesHypernetworkTensorsByIntKeyListIndexAndLayerKey() throws IOException {
        TorchContents c = TorchFixtures.read(TorchFixtures.bytes("hypernetwork.pt"));
        assertEquals("8.0.linear.0.weight", c.tensors().get(0).name());
        assertTrue(c.tensors().stream().anyMatch(t -> t.name().equals("16.1.linear.2.bias")));
        assertEquals("sdfarm-hn", ((PyDict) c.root()).get("name"));
    }

    @Test
    void sharedStorageTensorsViewOneStorage() throws IOException {
        TorchContents c = TorchFixtures.read(TorchFixtures.bytes("shared_storage.pt"));
        Map<String, StoredTensor> byName = new HashMap<>();
        c.tensors().forEach(t -> byName.put(t.name(), t));
        assertEquals(byName.get("tied_a").storage(), byName.get("transposed").storage());
        assertEquals(6, byName.get("rows").storageOffset());
        assertTrue(!byName.get("transposed").isContiguous());
        assertEquals(byName.get("embed.weight").storage(), byName.get("lm_head.weight").storage());
        assertNotEquals(byName.get("alone").storage(), byName.get("tied_a").storage());
    }

    @Test
    void opensThroughTheCheckpointFacadeWithMetadata() throws IOException {
        try (Checkpoint cp = Checkpoint.open(TorchFixtures.path("with_metadata.pt"))) {
            assertEquals(CheckpointFormat.TORCH_ZIP, cp.format());
            assertEquals(Map.of("format", "sdfarm-test", "source", "make_fixtures.py"), cp.metadata());
            assertEquals(List.of("w"), List.copyOf(cp.names()));
            assertEquals(3L, cp.torch().orElseThrow().extras().get("global_step"));
        }
    }

    @Test
    void rejectsLegacyNonZipTorchFileWithAClearMessage() throws IOException {
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> TorchFixtures.read(TorchFixtures.bytes("legacy.pt")));
        assertTrue(e.getMessage().contains("legacy"), e.getMessage());
        assertTrue(e.fix().contains("torch>=1.6"), e.fix());
        CheckpointException viaFacade = assertThrows(CheckpointException.class,
                () -> Checkpoint.open(TorchFixtures.path("legacy.pt")));
        assertTrue(viaFacade.getMessage().contains("legacy"), viaFacade.getMessage());
    }
}

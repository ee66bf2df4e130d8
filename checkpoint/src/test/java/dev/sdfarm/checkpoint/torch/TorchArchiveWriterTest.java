package dev.sdfarm.checkpoint.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.ByteSink;
import dev.sdfarm.checkpoint.CheckpointException;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.OutputStorage;
import dev.sdfarm.checkpoint.OutputTensor;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.checkpoint.TensorData;
import dev.sdfarm.checkpoint.pickle.NumpyDType;
import dev.sdfarm.checkpoint.pickle.NumpyScalar;
import dev.sdfarm.checkpoint.pickle.PyBytes;
import dev.sdfarm.checkpoint.pickle.PyDict;
import dev.sdfarm.checkpoint.pickle.PyList;
import dev.sdfarm.checkpoint.pickle.PyTuple;
import dev.sdfarm.checkpoint.pickle.WeightsOnlyCheck;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchArchiveWriterTest {

    /** A state dict with shared storages, views, odd sizes (for alignment) and several dtypes. */
    static PyDict sampleStateDict() {
        OutputStorage w = ArrayTensorData.random("w", DType.F32, 24, 1);
        OutputStorage odd = ArrayTensorData.random("odd", DType.U8, 37, 2);
        OutputStorage half = ArrayTensorData.random("half", DType.F16, 5, 3);
        OutputStorage bf = ArrayTensorData.random("bf", DType.BF16, 6, 4);
        OutputStorage flags = ArrayTensorData.random("flags", DType.BOOL, 3, 5);
        OutputStorage longs = ArrayTensorData.random("longs", DType.I64, 4, 6);
        OutputStorage empty = ArrayTensorData.random("empty", DType.F32, 0, 7);
        List<OutputTensor> tensors = List.of(
                OutputTensor.whole("w", new long[] {4, 6}, w),
                new OutputTensor("w_rows", new long[] {2, 6}, w, 6, new long[] {6, 1}),
                new OutputTensor("w_t", new long[] {6, 4}, w, 0, new long[] {1, 6}),
                OutputTensor.whole("odd", new long[] {37}, odd),
                OutputTensor.whole("half", new long[] {5}, half),
                OutputTensor.whole("bf", new long[] {2, 3}, bf),
                OutputTensor.whole("flags", new long[] {3}, flags),
                new OutputTensor("scalar", new long[] {}, longs, 2, new long[] {}),
                OutputTensor.whole("longs", new long[] {4}, longs),
                OutputTensor.whole("empty", new long[] {0, 4}, empty));
        PyDict sd = TorchArchiveWriter.stateDict(tensors);
        PyDict versions = PyDict.orderedDict();
        PyDict root = PyDict.dict();
        root.put("version", 1L);
        versions.put("", root);
        sd.setAttribute("_metadata", versions);
        return sd;
    }

    static byte[] write(TorchArchiveWriter writer, Object graph) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writer.write(graph, bytes -> {
            byte[] b = new byte[bytes.remaining()];
            bytes.get(b);
            out.write(b);
        });
        return out.toByteArray();
    }

    @Test
    void writesAnArchiveTheReaderReadsBackWithIdenticalTensorBytes() throws IOException {
        PyDict sd = sampleStateDict();
        byte[] archive = write(new TorchArchiveWriter(), sd);
        TorchContents c = TorchFixtures.read(archive);

        assertEquals("archive", c.archiveName());
        List<Object> written = new ArrayList<>(sd.entries().values());
        assertEquals(written.size(), c.tensors().size());
        for (int i = 0; i < written.size(); i++) {
            OutputTensor want = (OutputTensor) written.get(i);
            StoredTensor got = c.tensors().get(i);
            assertEquals(want.name(), got.name());
            assertEquals(want.dtype(), got.dtype());
            assertArrayEquals(want.shape(), got.shape());
            assertArrayEquals(want.strides(), got.strides());
            assertEquals(want.storageOffset(), got.storageOffset());
            assertEquals(want.storage().numel() * want.dtype().size(), got.storage().byteSize());
            byte[] stored = java.util.Arrays.copyOfRange(archive, (int) got.storage().fileOffset(),
                    (int) (got.storage().fileOffset() + got.storage().byteSize()));
            assertArrayEquals(ArrayTensorData.bytesOf(want.storage()), stored, want.name());
        }
        PyDict back = (PyDict) c.root();
        assertEquals(PyDict.Kind.ORDERED_DICT, back.kind());
        assertInstanceOf(PyDict.class, back.attributes().get("_metadata"));
    }

    @Test
    void writesEachSharedStorageOnceAndAlignsAllDataTo64Bytes() throws IOException {
        byte[] archive = write(new TorchArchiveWriter().archiveName("model"), sampleStateDict());
        ZipDirectory dir = ZipDirectory.read(ArchiveInput.of(new ByteArrayChannel(archive), archive.length));
        List<String> names = dir.entries().stream().map(ZipEntry::name).toList();
        assertEquals(List.of("model/data.pkl", "model/byteorder", "model/data/0", "model/data/1", "model/data/2",
                "model/data/3", "model/data/4", "model/data/5", "model/data/6", "model/version"), names);
        for (ZipEntry e : dir.entries()) {
            assertEquals(0, e.dataOffset() % 64, e.name());
            assertEquals(ZipEntry.STORED, e.method(), e.name());
            // Local headers defer CRC and sizes to a data descriptor (flag bit 3), so nothing is patched later.
            int flags = (archive[(int) e.localHeaderOffset() + 6] & 0xff) | (archive[(int) e.localHeaderOffset() + 7] & 0xff) << 8;
            assertEquals(0x0808, flags, e.name());
        }
    }

    @Test
    void producesAZipThatJavasOwnZipReaderAcceptsWithMatchingCrcs(@TempDir Path dir) throws IOException {
        checkWithJavaZip(write(new TorchArchiveWriter(), sampleStateDict()), dir.resolve("plain.pt"));
    }

    @Test
    void writesZip64RecordsWhenThresholdsAreReached(@TempDir Path dir) throws IOException {
        // Every size, offset and the entry count count as "large", so every ZIP64 field is exercised.
        byte[] archive = write(new TorchArchiveWriter().zip64Thresholds(0, 0), sampleStateDict());
        assertEquals(ZipDirectory.ZIP64_END_OF_CENTRAL_DIRECTORY, leInt(archive, archive.length - 22 - 20 - 56));
        assertEquals(ZipDirectory.ZIP64_LOCATOR, leInt(archive, archive.length - 22 - 20));
        assertEquals(0xffff, leShort(archive, archive.length - 22 + 10));
        TorchContents c = TorchFixtures.read(archive);
        assertEquals(10, c.tensors().size());
        checkWithJavaZip(archive, dir.resolve("zip64.pt"));

        // Only the entry count large: ZIP64 end records, plain entries.
        byte[] countOnly = write(new TorchArchiveWriter().zip64Thresholds(ZipStreamWriter.ZIP64_SIZE_LIMIT, 3),
                sampleStateDict());
        assertEquals(ZipDirectory.ZIP64_LOCATOR, leInt(countOnly, countOnly.length - 22 - 20));
        assertEquals(10, TorchFixtures.read(countOnly).tensors().size());
        checkWithJavaZip(countOnly, dir.resolve("count.pt"));
    }

    private static void checkWithJavaZip(byte[] archive, Path file) throws IOException {
        Files.write(file, archive);
        try (ZipFile zip = new ZipFile(file.toFile())) {
            List<? extends java.util.zip.ZipEntry> entries = Collections.list(zip.entries());
            assertEquals(10, entries.size());
            for (java.util.zip.ZipEntry e : entries) {
                try (InputStream in = zip.getInputStream(e)) {
                    byte[] data = in.readAllBytes();
                    CRC32 crc = new CRC32();
                    crc.update(data);
                    assertEquals(e.getCrc(), crc.getValue(), e.getName());
                    assertEquals(e.getSize(), data.length, e.getName());
                }
            }
            assertEquals("little", new String(zip.getInputStream(zip.getEntry("archive/byteorder")).readAllBytes()));
            assertEquals("3\n", new String(zip.getInputStream(zip.getEntry("archive/version")).readAllBytes()));
        }
    }

    @Test
    void streamsOutputStrictlySequentially() throws IOException {
        List<Integer> chunkSizes = new ArrayList<>();
        long[] total = {0};
        long size = new TorchArchiveWriter().write(sampleStateDict(), bytes -> {
            chunkSizes.add(bytes.remaining());
            total[0] += bytes.remaining();
            bytes.position(bytes.limit());
        });
        assertEquals(total[0], size);
        assertTrue(chunkSizes.size() > 20, "tensor data passes through in the producer's chunks");
    }

    @Test
    void storesMetadataTheReaderReturns() throws IOException {
        PyDict root = PyDict.dict();
        root.put("state_dict", sampleStateDict());
        PyDict md = PyDict.dict();
        md.put("converted_by", "sdfarm");
        root.put("sdfarm_metadata", md);
        root.put("global_step", 12L);
        root.put("nested", new PyList(List.of(PyTuple.of(1L, "a"), "x")));
        TorchContents c = TorchFixtures.read(write(new TorchArchiveWriter(), root));
        assertEquals(Map.of("converted_by", "sdfarm"), c.metadata());
        assertEquals(List.of("state_dict"), c.stateDictPath());
        assertEquals(List.of("global_step", "nested"), List.copyOf(c.extras().keySet()));
    }

    @Test
    void refusesValuesTorchsWeightsOnlyLoaderWouldRefuse() {
        PyDict root = TorchArchiveWriterTest.sampleStateDict();
        root.put("score", new NumpyScalar(new NumpyDType("f8", '<'), PyBytes.of(new byte[8])));
        CheckpointException e = assertThrows(CheckpointException.class, () -> write(new TorchArchiveWriter(), root));
        assertTrue(e.getMessage().contains("score: a numpy value"), e.getMessage());

        PyDict floats = TorchArchiveWriterTest.sampleStateDict();
        floats.put("lr", 1e-4);
        assertThrows(CheckpointException.class, () -> write(new TorchArchiveWriter(), floats));
    }

    @Test
    void writesFloatsWhenTheCallerToleratesThem() throws IOException {
        PyDict root = PyDict.dict();
        root.put("lr", 1e-4);
        TorchContents c = TorchFixtures.read(write(
                new TorchArchiveWriter().tolerating(EnumSet.of(WeightsOnlyCheck.Issue.FLOAT)), root));
        assertEquals(1e-4, ((PyDict) c.root()).get("lr"));
    }

    @Test
    void failsWhenTensorDataEmitsFewerBytesThanDeclared() {
        TensorData liar = new TensorData() {
            @Override
            public long byteSize() {
                return 8;
            }

            @Override
            public void writeTo(ByteSink sink) throws IOException {
                sink.write(ByteBuffer.allocate(4));
            }
        };
        PyDict sd = TorchArchiveWriter.stateDict(List.of(
                OutputTensor.whole("x", new long[] {2}, new OutputStorage("x", DType.F32, 2, liar))));
        IOException e = assertThrows(IOException.class, () -> write(new TorchArchiveWriter(), sd));
        assertTrue(e.getMessage().contains("declared 8"), e.getMessage());
    }

    @Test
    void rejectsTensorViewOutsideItsStorage() {
        OutputStorage s = ArrayTensorData.random("s", DType.F32, 4, 1);
        PyDict sd = TorchArchiveWriter.stateDict(List.of(new OutputTensor("x", new long[] {4}, s, 1, new long[] {1})));
        assertThrows(IllegalArgumentException.class, () -> write(new TorchArchiveWriter(), sd));
    }

    private static int leInt(byte[] b, int i) {
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16 | (b[i + 3] & 0xff) << 24;
    }

    private static int leShort(byte[] b, int i) {
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8;
    }
}

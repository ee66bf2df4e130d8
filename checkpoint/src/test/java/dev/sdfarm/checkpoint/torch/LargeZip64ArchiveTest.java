package dev.sdfarm.checkpoint.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.ByteSink;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.OutputStorage;
import dev.sdfarm.checkpoint.OutputTensor;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.checkpoint.TensorData;
import dev.sdfarm.checkpoint.pickle.PyDict;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real archive over 4 GiB, as Stable Diffusion checkpoints are: a 4.1 GiB storage of zeros followed by a small
 * tensor whose local header lies beyond 4 GiB. The zeros are skipped in the file (it is sparse), so the test
 * costs one CRC pass over the data and almost no disk.
 */
class LargeZip64ArchiveTest {
    private static final long BIG = (4L << 30) + (96L << 20);
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(8 << 20);

    /** Emits zeros through one shared buffer, which the sparse sink recognises and skips. */
    private static final class Zeros implements TensorData {
        @Override
        public long byteSize() {
            return BIG;
        }

        @Override
        public void writeTo(ByteSink sink) throws IOException {
            for (long left = BIG; left > 0; ) {
                int n = (int) Math.min(left, ZEROS.capacity());
                ZEROS.clear().limit(n);
                sink.write(ZEROS);
                left -= n;
            }
        }
    }

    @Test
    void writesAndReadsAnArchiveLargerThan4GiB(@TempDir Path dir) {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> check(dir.resolve("big.ckpt")));
    }

    private static void check(Path file) throws IOException {
        OutputStorage big = new OutputStorage("big", DType.U8, BIG, new Zeros());
        OutputStorage small = ArrayTensorData.random("small", DType.F32, 3, 5);
        PyDict sd = TorchArchiveWriter.stateDict(List.of(
                OutputTensor.whole("big", new long[] {BIG}, big),
                OutputTensor.whole("small", new long[] {3}, small)));
        long size;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.SPARSE)) {
            long[] pos = {0};
            size = new TorchArchiveWriter().write(sd, bytes -> {
                if (bytes == ZEROS) {
                    pos[0] += bytes.remaining();
                    bytes.position(bytes.limit());
                    return;
                }
                while (bytes.hasRemaining()) {
                    pos[0] += ch.write(bytes, pos[0]);
                }
            });
            assertEquals(size, pos[0]);
        }
        assertTrue(size > BIG);

        TorchContents c;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            assertEquals(size, ch.size());
            c = TorchArchiveReader.read(ch, ch.size());
            StoredTensor smallBack = c.tensors().get(1);
            assertTrue(smallBack.storage().fileOffset() > 0xffffffffL, "data beyond 4 GiB");
            assertEquals(0, smallBack.storage().fileOffset() % 64);
            ByteBuffer b = ByteBuffer.allocate(12);
            ch.read(b, smallBack.storage().fileOffset());
            assertEquals(java.util.HexFormat.of().formatHex(ArrayTensorData.bytesOf(small)),
                    java.util.HexFormat.of().formatHex(b.array()));
        }
        assertEquals(BIG, c.tensors().get(0).storage().byteSize());
        assertEquals(List.of("big", "small"), c.tensors().stream().map(StoredTensor::name).toList());

        if (PythonTorch.available()) {
            // Python's zipfile, an independent ZIP64 reader, sees the same entries and offsets.
            PythonTorch.Result r = PythonTorch.run(List.of("-c", "import sys, zipfile, json; "
                    + "z = zipfile.ZipFile(sys.argv[1]); "
                    + "print(json.dumps({i.filename: [i.file_size, i.header_offset] for i in z.infolist()}))",
                    file.toString()), 60);
            assertEquals(0, r.exitCode(), r.stderr());
            @SuppressWarnings("unchecked")
            Map<String, List<Object>> entries = (Map<String, List<Object>>) TorchFixtures.json(r.lines().get(0));
            assertEquals(BIG, entries.get("archive/data/0").get(0));
            assertTrue((Long) entries.get("archive/data/1").get(1) > 0xffffffffL);
        }
    }
}

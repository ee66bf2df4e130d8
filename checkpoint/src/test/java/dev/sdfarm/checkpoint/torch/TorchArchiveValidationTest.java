package dev.sdfarm.checkpoint.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.CheckpointException;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.checkpoint.pickle.PickleBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The reader's checks of the zip structure and of how the pickle and the archive fit together. */
class TorchArchiveValidationTest {

    /** {'w': FloatStorage '0' of 4 elements viewed whole, 'v': same storage from element 2}. */
    private static byte[] pickle() {
        return PickleBuilder.proto2().op('}').mark()
                .str("w").tensor1d("FloatStorage", "0", 4, 0, 4)
                .str("v").tensor1d("FloatStorage", "0", 4, 2, 2)
                .op('u').stop().bytes();
    }

    private static RawZip valid() {
        return new RawZip()
                .add("archive/data.pkl", pickle())
                .add("archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII))
                .add("archive/data/0", new byte[16])
                .add("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
    }

    private static CheckpointException refused(byte[] archive, String messagePart) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> TorchFixtures.read(archive));
        assertTrue(e.getMessage().contains(messagePart), e.userMessage());
        assertTrue(e.getCause() == null, "no internal error: " + e.getMessage());
        assertTrue(e.where() != null && e.fix() != null, e.userMessage());
        return e;
    }

    @Test
    void readsAPlainZipOfTheTorchLayout() throws IOException {
        TorchContents c = TorchFixtures.read(valid().build());
        assertEquals(List.of("w", "v"), c.tensors().stream().map(StoredTensor::name).toList());
        assertEquals(c.tensors().get(0).storage(), c.tensors().get(1).storage());
    }

    @Test
    void acceptsDeflatedDataPkl() throws IOException {
        RawZip z = valid().remove("archive/data.pkl").add("archive/data.pkl", pickle(), e -> e.method = 8);
        assertEquals(2, TorchFixtures.read(z.build()).tensors().size());
    }

    @Test
    void rejectsCompressedStorageEntry() {
        RawZip z = valid().remove("archive/data/0").add("archive/data/0", new byte[16], e -> e.method = 8);
        CheckpointException e = refused(z.build(), "is compressed");
        assertEquals("zip entry archive/data/0", e.where());
    }

    @Test
    void rejectsStorageWhoseEntrySizeDiffersFromTheStatedElementCount() {
        RawZip z = valid().remove("archive/data/0").add("archive/data/0", new byte[20]);
        refused(z.build(), "should hold 4 F32 elements (16 bytes) but its entry has 20 bytes");
    }

    @Test
    void rejectsMissingStorageRecord() {
        CheckpointException e = refused(valid().remove("archive/data/0").build(), "no entry archive/data/0");
        assertTrue(e.where().startsWith("archive/data.pkl byte "), e.where());
    }

    @Test
    void rejectsTensorViewOutsideItsStorage() {
        byte[] p = PickleBuilder.proto2().op('}').str("w").tensor1d("FloatStorage", "0", 4, 3, 2).op('s').stop().bytes();
        RawZip z = valid().remove("archive/data.pkl").add("archive/data.pkl", p);
        refused(z.build(), "reaches element 4 but storage data/0 has only 4 elements");
    }

    @Test
    void rejectsStorageReferencedWithTwoDtypes() {
        byte[] p = PickleBuilder.proto2().op('}').mark()
                .str("w").tensor1d("FloatStorage", "0", 4, 0, 4)
                .str("h").tensor1d("HalfStorage", "0", 8, 0, 8)
                .op('u').stop().bytes();
        refused(valid().remove("archive/data.pkl").add("archive/data.pkl", p).build(), "referenced as");
    }

    @Test
    void rejectsEntryNamesTorchNeverWrites() {
        CheckpointException e = refused(valid().add("archive/payload.py", new byte[1]).build(), "unexpected entry");
        assertEquals("zip entry 'archive/payload.py'", e.where());
        refused(valid().add("archive/data/../x", new byte[1]).build(), "unexpected entry");
        refused(valid().add("archive/code/__torch__.py", new byte[1]).build(), "unexpected entry");
    }

    @Test
    void rejectsDuplicateEntryNames() {
        refused(valid().add("archive/data/0", new byte[16]).build(), "two entries named archive/data/0");
    }

    @Test
    void rejectsEntriesUnderTwoTopFolders() {
        refused(valid().add("other/version", "3\n".getBytes(StandardCharsets.US_ASCII)).build(), "two top folders");
    }

    @Test
    void rejectsArchiveWithoutDataPkl() {
        refused(valid().remove("archive/data.pkl").build(), "no data.pkl");
    }

    @Test
    void rejectsBigEndianArchiveWithAClearFix() {
        RawZip z = valid().remove("archive/byteorder").add("archive/byteorder", "big".getBytes(StandardCharsets.US_ASCII));
        CheckpointException e = refused(z.build(), "big-endian");
        assertTrue(e.fix().contains("little-endian"), e.fix());
    }

    @Test
    void rejectsVersionRecordThatIsNotANumber() {
        RawZip z = valid().remove("archive/version").add("archive/version", "three".getBytes(StandardCharsets.US_ASCII));
        refused(z.build(), "not a number");
    }

    @Test
    void rejectsOverlappingEntries() {
        // The central directory claims more data for data/0 than there is, reaching into the next entry.
        RawZip z = valid().remove("archive/data/0").remove("archive/version")
                .add("archive/data/0", new byte[16], e -> {
                    e.centralCompressedSize = 40;
                    e.centralSize = 40;
                })
                .add("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        refused(z.build(), "overlap");
    }

    @Test
    void rejectsEntryDataRunningPastTheArchive() {
        RawZip z = valid().remove("archive/version").add("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII),
                e -> {
                    e.centralCompressedSize = 1000;
                    e.centralSize = 1000;
                });
        refused(z.build(), "run past the archive's data region");
    }

    @Test
    void rejectsTrailingDataAfterTheArchive() {
        RawZip z = valid();
        z.trailing = "garbage".getBytes(StandardCharsets.US_ASCII);
        refused(z.build(), "trailing data");
    }

    @Test
    void rejectsTruncatedArchive() {
        byte[] full = valid().build();
        refused(Arrays.copyOf(full, full.length - 5), "truncated");
        refused(Arrays.copyOf(full, 100), "truncated");
    }

    @Test
    void rejectsDataPklFailingItsCrc() {
        RawZip z = valid().remove("archive/data.pkl").add("archive/data.pkl", pickle(), e -> e.crc = 12345);
        refused(z.build(), "CRC");
    }

    @Test
    void rejectsEncryptedEntries() {
        RawZip z = valid().remove("archive/version").add("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII),
                e -> e.flags |= 1);
        refused(z.build(), "encrypted");
    }

    @Test
    void rejectsFilesThatAreNotZipArchives() {
        refused("{\"not\": \"a zip\"}".getBytes(StandardCharsets.US_ASCII), "not a torch zip archive");
        refused(new byte[] {1, 2}, "too small");
    }

    @Test
    void refusesDeflatedDataPklClaimingMoreThanDeflateCanExpandTo() {
        RawZip z = valid().remove("archive/data.pkl").add("archive/data.pkl", pickle(), e -> {
            e.method = 8;
            e.centralSize = 100_000_000L;
        });
        refused(z.build(), "claims 100000000 bytes");
    }

    @Test
    void refusesOversizedDataPklBeforeReadingIt() {
        RawZip z = valid().remove("archive/data.pkl").add("archive/data.pkl", pickle(), e -> {
            e.centralSize = TorchArchiveReader.MAX_PICKLE_BYTES + 1L;
        });
        refused(z.build(), "more than");
    }
}

package dev.sdfarm.checkpoint.torch;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

import dev.sdfarm.checkpoint.CheckpointException;
import dev.sdfarm.checkpoint.pickle.PickleFuzz;
import dev.sdfarm.checkpoint.pickle.WeightsOnlyCheck;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * Mutated archives must end in a {@link CheckpointException} (or read successfully), never in another exception,
 * a hang or running out of memory. Mutations favour the zip structure: local headers, the central directory and
 * the end records.
 */
class ZipFuzzTest {
    private static final int MUTATIONS = 10_000;

    static void runCase(byte[] archive, long seed, int iteration) {
        try {
            TorchContents c = TorchFixtures.read(archive);
            WeightsOnlyCheck.check(c.root());
        } catch (CheckpointException e) {
            if (e.getCause() != null) {
                fail("seed " + seed + " iteration " + iteration + ": internal error " + e.getCause() + " for "
                        + HexFormat.of().formatHex(archive), e);
            }
        } catch (Throwable t) {
            fail("seed " + seed + " iteration " + iteration + ": " + t + " for " + HexFormat.of().formatHex(archive), t);
        }
    }

    /** Headers and directories of a valid archive: where structural mutations matter. */
    private static List<int[]> structure(byte[] archive) throws IOException {
        ZipDirectory dir = ZipDirectory.read(ArchiveInput.of(new ByteArrayChannel(archive), archive.length));
        List<int[]> regions = new ArrayList<>();
        for (ZipEntry e : dir.entries()) {
            regions.add(new int[] {(int) e.localHeaderOffset(), (int) e.dataOffset()});
        }
        regions.add(new int[] {(int) dir.centralDirectoryOffset(), archive.length});
        return regions;
    }

    static void fuzzStructure(byte[] valid, long seed, int count) throws IOException {
        List<int[]> hot = structure(valid);
        PickleFuzz fuzz = new PickleFuzz(seed);
        for (int i = 0; i < count; i++) {
            runCase(fuzz.mutateBytes(valid, hot), seed, i);
        }
    }

    @Test
    void mutatedZipStructureEndsInCheckpointExceptionOrSuccess() throws IOException {
        byte[] torchMade = TorchFixtures.bytes("ldm_style.ckpt");
        // Our own writer's layout: data descriptors, alignment padding and every ZIP64 record.
        byte[] zip64 = TorchArchiveWriterTest.write(new TorchArchiveWriter().zip64Thresholds(0, 0),
                TorchArchiveWriterTest.sampleStateDict());
        TorchFixtures.read(torchMade);
        TorchFixtures.read(zip64);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            fuzzStructure(torchMade, 7L, MUTATIONS / 2);
            fuzzStructure(zip64, 8L, MUTATIONS / 2);
        });
    }

    @Test
    void mutatedPicklesInsideAValidArchiveEndInCheckpointExceptionOrSuccess() throws IOException {
        // The pickle is mutated and the archive rebuilt around it with a correct CRC, so mutations reach the
        // unpickler and the state dict layout through the whole reader.
        List<String> names = new ArrayList<>();
        List<byte[]> contents = new ArrayList<>();
        try (ZipFile zip = new ZipFile(TorchFixtures.path("ldm_style.ckpt").toFile())) {
            for (java.util.zip.ZipEntry e : Collections.list(zip.entries())) {
                try (InputStream in = zip.getInputStream(e)) {
                    names.add(e.getName());
                    contents.add(in.readAllBytes());
                }
            }
        }
        int pkl = names.indexOf("ldm_style/data.pkl");
        PickleFuzz fuzz = new PickleFuzz(9L);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            for (int i = 0; i < 3_000; i++) {
                RawZip z = new RawZip();
                for (int k = 0; k < names.size(); k++) {
                    z.add(names.get(k), k == pkl ? fuzz.mutatePickle(contents.get(k)) : contents.get(k));
                }
                runCase(z.build(), 9L, i);
            }
        });
    }
}

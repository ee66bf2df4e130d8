package dev.sdfarm.checkpoint.pickle;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.sdfarm.checkpoint.CheckpointException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.HexFormat;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * Mutated pickles must end in a {@link CheckpointException} (or read successfully), never in another exception,
 * a hang or running out of memory; and whatever reads successfully must be safe to walk.
 */
class PickleFuzzTest {
    private static final int MUTATIONS = 10_000;

    static byte[] dataPkl(String fixture) throws IOException {
        try (ZipFile zip = new ZipFile(UnpicklerProtocolTest.resource(fixture).toFile())) {
            String name = fixture.substring(0, fixture.lastIndexOf('.')) + "/data.pkl";
            try (InputStream in = zip.getInputStream(zip.getEntry(name))) {
                return in.readAllBytes();
            }
        }
    }

    /** Runs one fuzz case; returns true when the input was read successfully. */
    static boolean runCase(byte[] input, long seed, int iteration) {
        try {
            Object root = TestStorages.load(input);
            // Graphs from mutated pickles may be cyclic or deeply shared: later walks must cope.
            WeightsOnlyCheck.check(root);
            PyValues.describe(root);
            return true;
        } catch (CheckpointException e) {
            if (e.getCause() != null) {
                fail("seed " + seed + " iteration " + iteration + ": internal error " + e.getCause() + " for "
                        + HexFormat.of().formatHex(input), e);
            }
            return false;
        } catch (Throwable t) {
            fail("seed " + seed + " iteration " + iteration + ": " + t + " for " + HexFormat.of().formatHex(input), t);
            return false;
        }
    }

    private static int fuzz(byte[] valid, long seed, int count) {
        PickleFuzz fuzz = new PickleFuzz(seed);
        int succeeded = 0;
        for (int i = 0; i < count; i++) {
            if (runCase(fuzz.mutatePickle(valid), seed, i)) {
                succeeded++;
            }
        }
        return succeeded;
    }

    @Test
    void mutatedLdmCheckpointPicklesEndInCheckpointExceptionOrSuccess() throws IOException {
        byte[] valid = dataPkl("ldm_style.ckpt");
        assertTrue(runCase(valid, 0, -1), "the unmutated pickle reads");
        int succeeded = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> fuzz(valid, 20240611L, MUTATIONS));
        // Some mutations are harmless (a changed int); most must be refused.
        assertTrue(succeeded < MUTATIONS, "fuzzing did reach the error paths");
    }

    @Test
    void generatedOpcodeSequencesEndInCheckpointExceptionOrSuccess() {
        PickleFuzz fuzz = new PickleFuzz(42L);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            for (int i = 0; i < 10_000; i++) {
                runCase(fuzz.generatePickle(40), 42L, i);
            }
        });
    }

    @Test
    void mutatedParameterDictAndProtocol0And4PicklesEndInCheckpointExceptionOrSuccess() throws IOException {
        byte[] ti = dataPkl("textual_inversion.pt");
        byte[] p0 = java.nio.file.Files.readAllBytes(UnpicklerProtocolTest.resource("protocol0.pkl"));
        byte[] p4 = java.nio.file.Files.readAllBytes(UnpicklerProtocolTest.resource("protocol4.pkl"));
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            fuzz(ti, 1L, 2_000);
            fuzz(p0, 2L, 1_000);
            fuzz(p4, 3L, 1_000);
        });
    }
}

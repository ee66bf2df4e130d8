package dev.sdfarm.checkpoint.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.UnsafeCheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Archives written by real {@code torch.save} whose pickles would run a command when loaded with plain
 * {@code torch.load}: each must be refused, naming the global, without the command's marker file appearing.
 */
class HostilePickleTest {

    private static UnsafeCheckpointException assertRefused(String fixture) throws IOException {
        Map<String, Object> expected = TorchFixtures.expected(fixture);
        Path marker = Path.of((String) expected.get("marker"));
        Files.deleteIfExists(marker);

        UnsafeCheckpointException e = assertThrows(UnsafeCheckpointException.class,
                () -> Checkpoint.open(TorchFixtures.path(fixture)));

        Object global = expected.get("global");
        assertEquals(global == dev.sdfarm.checkpoint.json.StrictJson.NULL ? null : global, e.global(), e.userMessage());
        assertNotNull(e.where(), "the error says where in the pickle");
        assertTrue(e.where().contains("data.pkl byte "), e.where());
        assertTrue(e.userMessage().startsWith(TorchFixtures.path(fixture).toString()), e.userMessage());
        assertTrue(e.fix().contains("nothing in it was run"), e.fix());
        assertFalse(Files.exists(marker), "the payload ran: " + marker + " exists");
        return e;
    }

    @Test
    void rejectsPickleThatCallsOsSystem() throws IOException {
        UnsafeCheckpointException e = assertRefused("hostile_os_system.pt");
        assertTrue(e.getMessage().contains("posix.system"), e.getMessage());
    }

    @Test
    void rejectsPickleThatCallsEval() throws IOException {
        assertRefused("hostile_eval.pt");
    }

    @Test
    void rejectsPickleThatCallsExec() throws IOException {
        assertRefused("hostile_exec.pt");
    }

    @Test
    void rejectsPickleThatStartsASubprocess() throws IOException {
        assertRefused("hostile_subprocess.pt");
    }

    @Test
    void rejectsForbiddenGlobalHiddenInTheHooksOfATensorRebuild() throws IOException {
        assertRefused("hostile_nested_rebuild.pt");
    }

    @Test
    void rejectsInstOpcodeNamingTheClassItWouldCall() throws IOException {
        UnsafeCheckpointException e = assertRefused("hostile_inst.pt");
        assertTrue(e.where().endsWith("(INST)"), e.where());
    }

    @Test
    void rejectsObjOpcodeEvenForAnAllowedClass() throws IOException {
        UnsafeCheckpointException e = assertRefused("hostile_obj.pt");
        assertTrue(e.where().endsWith("(OBJ)"), e.where());
    }

    @Test
    void rejectsBuildThatWouldSetAttributesOnAClass() throws IOException {
        UnsafeCheckpointException e = assertRefused("hostile_build.pt");
        assertTrue(e.where().endsWith("(BUILD)"), e.where());
    }
}

package dev.sdfarm.core.message;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MessagesTest {
    private static final UUID JOB = UUID.fromString("0b7e4f1e-2c39-4a7c-9d5e-3f2a1b0c9d8e");
    private static final Instant AT = Instant.parse("2026-11-23T10:15:30.123Z");
    private static final ModelRef MODEL = new ModelRef("ab".repeat(32), "models/" + "ab".repeat(32)
            + ".safetensors", "sd15-fp16");

    static GenerationParams params() {
        return new GenerationParams("a red fox, (snow:1.2)", "blurry", 1234, "DPM++ 2M", "Karras", 20, 7.5, 512,
                768, 2, 3, 1, null, "GPU");
    }

    @Test
    void generationRequestRoundTripsWithWebuiFieldNames() {
        GenerationRequest r = GenerationRequest.of(JOB, "acme", MODEL, params(), AT);
        String json = Messages.toJsonString(r);
        assertTrue(json.contains("\"negative_prompt\":\"blurry\""), json);
        assertTrue(json.contains("\"sampler_name\":\"DPM++ 2M\""), json);
        assertTrue(json.contains("\"cfg_scale\":7.5"), json);
        assertTrue(json.contains("\"n_iter\":3"), json);
        assertTrue(json.contains("\"v\":1"), json);
        assertTrue(json.contains("\"submitted_at\":\"2026-11-23T10:15:30.123Z\""), json);
        assertEquals(r, Messages.fromJson(json.getBytes(StandardCharsets.UTF_8), GenerationRequest.class));
        assertEquals("outputs/acme/" + JOB + "/", r.outputPrefix());
        assertEquals(6, r.params().imageCount());
        assertEquals(60, r.params().totalSteps());
    }

    @Test
    void jobEventSequenceNumbersDependOnlyOnPosition() {
        assertEquals(1, JobEvent.started(JOB, "w1", 40, AT).seq());
        assertEquals(1, JobEvent.started(JOB, "w2", 40, AT.plusSeconds(9)).seq());
        assertEquals(8, JobEvent.progress(JOB, "w1", 7, 40, AT).seq());
        OutputImage out = new OutputImage(0, "outputs/acme/" + JOB + "/0.png", 1234, "a fox\nSteps: 20", 512, 768,
                1000, "cd".repeat(32));
        JobEvent done = JobEvent.succeeded(JOB, "w1", 40, List.of(out), AT);
        assertEquals(42, done.seq());
        assertTrue(done.seq() > JobEvent.progress(JOB, "w1", 40, 40, AT).seq());
        assertEquals(done.seq(), JobEvent.ended(JobEventType.CANCELLED, JOB, "w1", 3, 40, "cancelled", AT).seq());
        assertEquals(done, Messages.fromJson(Messages.toJson(done), JobEvent.class));
    }

    @Test
    void heartbeatAndCancelRoundTrip() {
        WorkerHeartbeat hb = new WorkerHeartbeat(WorkerHeartbeat.VERSION, "worker-1", "node-a", "cpu", AT, 1, 2, 3,
                List.of("ab".repeat(32)), List.of(JOB));
        assertEquals(hb, Messages.fromJson(Messages.toJson(hb), WorkerHeartbeat.class));
        CancelRequest c = CancelRequest.of(JOB, AT);
        assertEquals(c, Messages.fromJson(Messages.toJson(c), CancelRequest.class));
    }

    @Test
    void unknownFieldsAreIgnoredSoFieldsCanBeAdded() {
        String json = "{\"v\":1,\"job_id\":\"" + JOB + "\",\"at\":\"2026-11-23T10:15:30Z\",\"reason\":\"new\"}";
        assertEquals(JOB, Messages.fromJson(json.getBytes(StandardCharsets.UTF_8), CancelRequest.class).jobId());
    }

    @Test
    void refusesAVersionItDoesNotKnow() {
        String json = "{\"v\":2,\"job_id\":\"" + JOB + "\"}";
        MessageFormatException e = assertThrows(MessageFormatException.class,
                () -> Messages.fromJson(json.getBytes(StandardCharsets.UTF_8), CancelRequest.class));
        assertTrue(e.getMessage().contains("version 2"), e.getMessage());
        assertTrue(e.getMessage().contains("reads version 1"), e.getMessage());
    }

    @Test
    void refusesAMessageWithoutItsVersion() {
        String json = "{\"job_id\":\"" + JOB + "\"}";
        MessageFormatException e = assertThrows(MessageFormatException.class,
                () -> Messages.fromJson(json.getBytes(StandardCharsets.UTF_8), CancelRequest.class));
        assertTrue(e.getMessage().startsWith("malformed CancelRequest message at \"v\""), e.getMessage());
    }

    @Test
    void refusesAMessageWithoutAJobId() {
        MessageFormatException e = assertThrows(MessageFormatException.class,
                () -> Messages.fromJson("{\"v\":1,\"seq\":3,\"step\":2,\"total_steps\":20}"
                        .getBytes(StandardCharsets.UTF_8), JobEvent.class));
        assertTrue(e.getMessage().contains("job_id"), e.getMessage());
    }

    @Test
    void refusesMalformedJsonWithAClearMessage() {
        MessageFormatException e = assertThrows(MessageFormatException.class,
                () -> Messages.fromJson("{\"v\":1,".getBytes(StandardCharsets.UTF_8), JobEvent.class));
        assertTrue(e.getMessage().startsWith("malformed JobEvent message"), e.getMessage());
        assertThrows(MessageFormatException.class, () -> Messages.fromJson(null, JobEvent.class));
        assertThrows(MessageFormatException.class, () -> Messages.fromJson(
                ("{\"v\":1,\"job_id\":\"not-a-uuid\"}").getBytes(StandardCharsets.UTF_8), CancelRequest.class));
    }
}

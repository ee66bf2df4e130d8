package dev.sdfarm.converter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sdfarm.checkpoint.slim.Progress;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressLinesTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final ProgressLines lines = new ProgressLines(new PrintStream(bytes, true, StandardCharsets.UTF_8),
            now::get);

    private List<String> printed() {
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void printsAtMostTwoLinesASecondButAlwaysTheEnd() {
        Progress download = lines.phase("download", 0, 50);
        download.start("x", 1000);
        for (int i = 0; i < 10; i++) {
            now.addAndGet(100_000_000L);
            download.advance(100);
        }
        lines.report(100, "upload");
        assertEquals(List.of("progress 0 download", "progress 25 download", "progress 50 download",
                "progress 100 upload"), printed());
    }

    @Test
    void percentNeverGoesBackAndRepeatsAreDropped() {
        lines.report(40, "convert");
        now.addAndGet(ProgressLines.MIN_INTERVAL_NANOS);
        lines.report(30, "convert");
        lines.report(40, "convert");
        now.addAndGet(ProgressLines.MIN_INTERVAL_NANOS);
        lines.report(40, "upload");
        lines.report(100, "upload");
        lines.report(100, "upload");
        assertEquals(List.of("progress 40 convert", "progress 40 upload", "progress 100 upload"), printed());
    }
}

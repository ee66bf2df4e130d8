package dev.sdfarm.gateway.conversion;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

class ConverterLineTest {
    @Test
    void readsProgressAndResultLinesAndKeepsTheRestAsLog() {
        assertEquals(new ConverterLine.ProgressLine(42, "convert"), ConverterLine.parse("progress 42 convert"));
        assertEquals("{\"a\":1}", new String(((ConverterLine.ResultLine) ConverterLine.parse("result {\"a\":1}"))
                .json(), StandardCharsets.UTF_8));
        assertInstanceOf(ConverterLine.LogLine.class, ConverterLine.parse("progress 101 convert"));
        assertInstanceOf(ConverterLine.LogLine.class, ConverterLine.parse("progress 5 sleep"));
        assertInstanceOf(ConverterLine.LogLine.class, ConverterLine.parse("dropped 688 EMA tensors"));
    }

    @Test
    void logTailKeepsTheLastLinesBoundedAndSkipsJvmWarningsForTheMessage() {
        LogTail t = new LogTail();
        for (int i = 0; i < 120; i++) {
            t.add("line " + i);
        }
        t.add("x".repeat(5000));
        t.add("WARNING: Using incubator modules");
        String[] lines = t.text().split("\n");
        assertEquals(LogTail.MAX_LINES, lines.length);
        assertEquals("line 72", lines[0]);
        assertEquals(LogTail.MAX_LINE_CHARS + 1, lines[LogTail.MAX_LINES - 2].length());
        assertEquals("x".repeat(LogTail.MAX_LINE_CHARS) + "…", t.lastMessage());
    }
}

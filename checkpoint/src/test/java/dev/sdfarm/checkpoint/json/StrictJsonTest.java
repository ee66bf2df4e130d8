package dev.sdfarm.checkpoint.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StrictJsonTest {
    private static Object parse(String s) {
        return StrictJson.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    private static JsonException fails(String s) {
        return assertThrows(JsonException.class, () -> parse(s));
    }

    private static JsonException failsBytes(byte[] b) {
        return assertThrows(JsonException.class, () -> StrictJson.parse(b));
    }

    @Test
    void parsesNestedValuesKeepingKeyOrder() {
        Object v = parse("{\"z\":1,\"a\":[true,false,null,-2.5e3,\"x\\n\\u00e9\\ud83d\\ude00\"],\"m\":{}}   ");
        Map<?, ?> m = assertInstanceOf(Map.class, v);
        assertEquals(List.of("z", "a", "m"), List.copyOf(m.keySet()));
        assertEquals(1L, m.get("z"));
        assertEquals(List.of(true, false, StrictJson.NULL, -2500.0, "x\né😀"), m.get("a"));
    }

    @Test
    void keepsLargeIntegersExact() {
        assertEquals(9223372036854775807L, parse("9223372036854775807"));
        assertEquals(new BigInteger("9223372036854775808"), parse("9223372036854775808"));
        assertEquals(-9223372036854775808L, parse("-9223372036854775808"));
    }

    @Test
    void rejectsDuplicateKeysAtTheSecondKey() {
        JsonException e = fails("{\"a\":1, \"a\":2}");
        assertTrue(e.getMessage().contains("duplicate key"), e.getMessage());
        assertEquals(8, e.offset());
    }

    @Test
    void rejectsInvalidUtf8() {
        failsBytes(new byte[] {'"', (byte) 0xC0, (byte) 0x80, '"'}); // overlong NUL
        failsBytes(new byte[] {'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'}); // encoded surrogate
        failsBytes(new byte[] {'"', (byte) 0xE2, (byte) 0x82, '"'}); // truncated sequence
        failsBytes(new byte[] {'"', (byte) 0xFF, '"'});
    }

    @Test
    void rejectsLoneSurrogateEscapes() {
        fails("\"\\ud800\"");
        fails("\"\\udc00\"");
        fails("\"\\ud800\\u0041\"");
    }

    @Test
    void rejectsMalformedNumbersAndLiterals() {
        for (String s : List.of("01", "-", "1.", ".5", "1e", "+1", "NaN", "Infinity", "tru", "nul", "0x10")) {
            fails(s);
        }
    }

    @Test
    void rejectsTrailingContentAndUnterminatedInput() {
        fails("{} x");
        fails("{\"a\":1");
        fails("[1,2");
        fails("\"abc");
        fails("{\"a\" 1}");
        fails("[1,]");
        fails("{,}");
        fails("");
    }

    @Test
    void rejectsControlCharactersInStrings() {
        fails("\"a\tb\"");
    }

    @Test
    void rejectsNestingBeyondTheLimit() {
        String deep = "[".repeat(200) + "]".repeat(200);
        JsonException e = fails(deep);
        assertTrue(e.getMessage().contains("nested"), e.getMessage());
    }

    @Test
    void reportsByteOffsetsAfterMultiByteCharacters() {
        // "é" is two bytes; the bad character is at byte 8.
        JsonException e = fails("[\"é\",  x]");
        assertEquals(8, e.offset());
    }

    @Test
    void writerOutputParsesBackToTheSameValue() {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("s", "q\"\\\n\u0001é😀");
        m.put("n", List.of(1L, -2L, 2.5, true, StrictJson.NULL));
        m.put("o", Map.of("k", "v"));
        assertEquals(m, parse(JsonWriter.compact(m)));
        assertEquals(m, parse(JsonWriter.pretty(m)));
    }
}

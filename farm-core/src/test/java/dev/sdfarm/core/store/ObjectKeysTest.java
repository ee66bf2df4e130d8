package dev.sdfarm.core.store;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ObjectKeysTest {
    @ParameterizedTest
    @ValueSource(strings = {"a", "outputs/acme/0b7e4f1e-2c39-4a7c-9d5e-3f2a1b0c9d8e/0.png",
            "models/ab12.safetensors", "A_b-c.d/e"})
    void acceptsPlainKeys(String key) {
        assertEquals(key, ObjectKeys.require(key));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/abs", "a//b", "a/", "../etc/passwd", "a/../b", "a/./b", ".hidden", "a/.tmp-1",
            "a b", "a\\b", "a\u0000b", "caf\u00e9", "a:b", "a?b"})
    void refusesKeysThatCouldEscapeOrMeanDifferentThingsInDifferentStores(String key) {
        assertThrows(IllegalArgumentException.class, () -> ObjectKeys.require(key));
    }

    @org.junit.jupiter.api.Test
    void refusesOverlongKeysAndPrefixesWithoutSlash() {
        assertThrows(IllegalArgumentException.class, () -> ObjectKeys.require("a".repeat(ObjectKeys.MAX_LENGTH + 1)));
        assertEquals("a".repeat(ObjectKeys.MAX_LENGTH), ObjectKeys.require("a".repeat(ObjectKeys.MAX_LENGTH)));
        assertThrows(IllegalArgumentException.class, () -> ObjectKeys.requirePrefix("outputs"));
        assertEquals("outputs/", ObjectKeys.requirePrefix("outputs/"));
        assertEquals("", ObjectKeys.requirePrefix(""));
    }

    @org.junit.jupiter.api.Test
    void contentTypeFollowsTheExtension() {
        assertEquals("image/png", ObjectKeys.contentType("outputs/x/0.PNG"));
        assertEquals("application/octet-stream", ObjectKeys.contentType("models/m.safetensors"));
    }
}

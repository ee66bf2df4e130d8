package dev.sdfarm.core.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileObjectStoreTest {
    @TempDir
    Path dir;

    @Test
    void putStatOpenListDelete() throws IOException {
        FileObjectStore store = new FileObjectStore(dir.resolve("store"));
        byte[] png = "not really a png".getBytes(StandardCharsets.UTF_8);
        ObjectInfo info = store.put("outputs/acme/j1/0.png", png);
        assertEquals(png.length, info.size());
        assertEquals(info.size(), store.stat("outputs/acme/j1/0.png").orElseThrow().size());
        try (InputStream in = store.open("outputs/acme/j1/0.png")) {
            assertArrayEquals(png, in.readAllBytes());
        }
        store.put("outputs/acme/j1/1.png", new byte[3]);
        store.put("outputs/other/j2/0.png", new byte[1]);
        assertEquals(List.of("outputs/acme/j1/0.png", "outputs/acme/j1/1.png"),
                store.list("outputs/acme/").stream().map(ObjectInfo::key).toList());
        assertEquals(3, store.list("").size());
        assertEquals(List.of(), store.list("nothing/"));
        assertTrue(store.delete("outputs/acme/j1/0.png"));
        assertFalse(store.delete("outputs/acme/j1/0.png"));
        assertTrue(store.stat("outputs/acme/j1/0.png").isEmpty());
        assertThrows(NoSuchObjectException.class, () -> store.open("outputs/acme/j1/0.png"));
    }

    @Test
    void replacingAnObjectLeavesNoTemporaryFilesAndTheyAreNeverListed() throws IOException {
        FileObjectStore store = new FileObjectStore(dir);
        Path source = Files.write(dir.resolve("src.bin"), new byte[1 << 16]);
        store.put("models/m.safetensors", source);
        store.put("models/m.safetensors", new byte[] {1, 2, 3});
        assertEquals(3, store.stat("models/m.safetensors").orElseThrow().size());
        try (Stream<Path> files = Files.list(dir.resolve("models"))) {
            assertEquals(List.of("m.safetensors"), files.map(p -> p.getFileName().toString()).toList());
        }
        Files.write(dir.resolve("models/.tmp-leftover"), new byte[1]);
        assertEquals(List.of("models/m.safetensors"),
                store.list("models/").stream().map(ObjectInfo::key).toList());
    }

    @Test
    void keysCannotReachOutsideTheRoot() throws IOException {
        FileObjectStore store = new FileObjectStore(dir.resolve("store"));
        Files.write(dir.resolve("secret"), new byte[1]);
        assertThrows(IllegalArgumentException.class, () -> store.open("../secret"));
        assertThrows(IllegalArgumentException.class, () -> store.put("../secret", new byte[2]));
        assertEquals(1, Files.size(dir.resolve("secret")));
    }

    @Test
    void downloadCopiesAtomically() throws IOException {
        FileObjectStore store = new FileObjectStore(dir.resolve("store"));
        store.put("models/m.safetensors", new byte[] {9, 8, 7});
        Path target = dir.resolve("cache/m.safetensors");
        store.download("models/m.safetensors", target);
        assertArrayEquals(new byte[] {9, 8, 7}, Files.readAllBytes(target));
        assertThrows(NoSuchObjectException.class, () -> store.download("models/none", dir.resolve("cache/none")));
        try (Stream<Path> files = Files.list(dir.resolve("cache"))) {
            assertEquals(1, files.count());
        }
    }
}

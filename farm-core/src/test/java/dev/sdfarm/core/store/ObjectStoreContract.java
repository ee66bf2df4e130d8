package dev.sdfarm.core.store;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every {@link ObjectStore} must do, whatever is behind it. Each implementation's test extends this and
 * hands out a fresh, empty store per test.
 */
abstract class ObjectStoreContract {
    /** A credential that must never show in a store's description. */
    static final String SECRET = "contract-Secret-Access-Key-0123456789";

    @TempDir
    Path dir;

    ObjectStore store;

    /** A new, empty store. */
    abstract ObjectStore newStore() throws IOException;

    /** A file size that the store must upload in more than one part (where it has parts at all). */
    long largerThanAPart() {
        return 1 << 20;
    }

    /** How many keys the listing test stores: more than one page of the store's listing, if it has pages. */
    int manyKeys() {
        return 1001;
    }

    @BeforeEach
    void openStore() throws IOException {
        store = newStore();
    }

    @AfterEach
    void closeStore() throws IOException {
        store.close();
    }

    @Test
    void putStatOpenListDelete() throws IOException {
        byte[] png = "not really a png".getBytes(StandardCharsets.UTF_8);
        ObjectInfo info = store.put("outputs/acme/j1/0.png", png);
        assertEquals("outputs/acme/j1/0.png", info.key());
        assertEquals(png.length, info.size());
        ObjectInfo stat = store.stat("outputs/acme/j1/0.png").orElseThrow();
        assertEquals(info.size(), stat.size());
        assertEquals(info.modified(), stat.modified());
        try (InputStream in = store.open("outputs/acme/j1/0.png")) {
            assertArrayEquals(png, in.readAllBytes());
        }
        store.put("outputs/acme/j1/1.png", new byte[3]);
        store.put("outputs/other/j2/0.png", new byte[1]);
        assertEquals(List.of("outputs/acme/j1/0.png", "outputs/acme/j1/1.png"),
                store.list("outputs/acme/").stream().map(ObjectInfo::key).toList());
        assertEquals(List.of((long) png.length, 3L),
                store.list("outputs/acme/").stream().map(ObjectInfo::size).toList());
        assertEquals(3, store.list("").size());
        assertEquals(List.of(), store.list("nothing/"));
        assertTrue(store.delete("outputs/acme/j1/0.png"));
        assertFalse(store.delete("outputs/acme/j1/0.png"));
        assertTrue(store.stat("outputs/acme/j1/0.png").isEmpty());
        assertThrows(NoSuchObjectException.class, () -> store.open("outputs/acme/j1/0.png"));
    }

    @Test
    void putReplacesWhatWasThere() throws IOException {
        Path source = Files.write(dir.resolve("src.bin"), new byte[1 << 16]);
        store.put("models/m.safetensors", source);
        assertEquals(1 << 16, store.stat("models/m.safetensors").orElseThrow().size());
        store.put("models/m.safetensors", new byte[] {1, 2, 3});
        assertEquals(3, store.stat("models/m.safetensors").orElseThrow().size());
        try (InputStream in = store.open("models/m.safetensors")) {
            assertArrayEquals(new byte[] {1, 2, 3}, in.readAllBytes());
        }
        assertEquals(List.of("models/m.safetensors"), store.list("").stream().map(ObjectInfo::key).toList());
    }

    @Test
    void listReturnsEveryKeyUnderThePrefixSortedAcrossPages() throws IOException {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < manyKeys(); i++) {
            keys.add("many/" + (i % 3) + "/k" + i + ".png");
        }
        List<String> shuffled = new ArrayList<>(keys);
        Collections.shuffle(shuffled, new Random(7));
        for (String k : shuffled) {
            store.put(k, new byte[] {(byte) k.length()});
        }
        store.put("many.png", new byte[1]);
        store.put("manyother/x.png", new byte[1]);
        List<String> listed = store.list("many/").stream().map(ObjectInfo::key).toList();
        assertEquals(keys.stream().sorted().toList(), listed);
        assertEquals(keys.stream().filter(k -> k.startsWith("many/1/")).sorted().toList(),
                store.list("many/1/").stream().map(ObjectInfo::key).toList());
        assertEquals(manyKeys() + 2, store.list("").size());
    }

    @Test
    void aMissingKeyIsEmptyOrNoSuchObject() throws IOException {
        store.put("models/present", new byte[1]);
        assertTrue(store.stat("models/absent").isEmpty());
        NoSuchObjectException e = assertThrows(NoSuchObjectException.class, () -> store.open("models/absent"));
        assertTrue(e.getMessage().contains("models/absent"), e.getMessage());
        Path target = dir.resolve("cache/absent");
        assertThrows(NoSuchObjectException.class, () -> store.download("models/absent", target));
        assertFalse(Files.exists(target));
        assertFalse(store.delete("models/absent"));
        assertEquals(List.of(), store.list("absent/"));
    }

    @Test
    void downloadCopiesAtomically() throws IOException {
        store.put("models/m.safetensors", new byte[] {9, 8, 7});
        Path target = dir.resolve("cache/m.safetensors");
        Files.createDirectories(target.getParent());
        Files.write(target, new byte[] {1});
        store.download("models/m.safetensors", target);
        assertArrayEquals(new byte[] {9, 8, 7}, Files.readAllBytes(target));
        assertThrows(NoSuchObjectException.class, () -> store.download("models/none", dir.resolve("cache/none")));
        try (Stream<Path> files = Files.list(dir.resolve("cache"))) {
            assertEquals(List.of("m.safetensors"), files.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void aFileLargerThanAPartRoundTrips() throws IOException {
        long size = largerThanAPart();
        byte[] chunk = new byte[1 << 20];
        new Random(42).nextBytes(chunk);
        Path source = dir.resolve("big.bin");
        try (var out = Files.newOutputStream(source)) {
            for (long written = 0; written < size; written += chunk.length) {
                out.write(chunk, 0, (int) Math.min(chunk.length, size - written));
            }
        }
        ObjectInfo info = store.put("models/big.safetensors", source);
        assertEquals(size, info.size());
        Path back = dir.resolve("back/big.safetensors");
        store.download("models/big.safetensors", back);
        assertEquals(-1, Files.mismatch(source, back));
    }

    @Test
    void invalidKeysAreRefusedBeforeAnythingHappens() {
        assertThrows(IllegalArgumentException.class, () -> store.put("../escape", new byte[1]));
        assertThrows(IllegalArgumentException.class, () -> store.open("a//b"));
        assertThrows(IllegalArgumentException.class, () -> store.stat(".tmp-x"));
        assertThrows(IllegalArgumentException.class, () -> store.delete("a b"));
        assertThrows(IllegalArgumentException.class, () -> store.list("outputs"));
    }

    @Test
    void describeNamesTheStoreButNoSecret() {
        String d = store.describe();
        assertFalse(d.isBlank());
        assertFalse(d.contains(SECRET), d);
        assertFalse(store.toString().contains(SECRET), store.toString());
    }
}

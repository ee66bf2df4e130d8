package dev.sdfarm.core.store;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FileObjectStoreTest extends ObjectStoreContract {
    @Override
    ObjectStore newStore() throws IOException {
        return new FileObjectStore(dir.resolve("store"));
    }

    FileObjectStore fileStore() {
        return (FileObjectStore) store;
    }

    @Test
    void replacingAnObjectLeavesNoTemporaryFilesAndTheyAreNeverListed() throws IOException {
        Path source = Files.write(dir.resolve("src.bin"), new byte[1 << 16]);
        store.put("models/m.safetensors", source);
        store.put("models/m.safetensors", new byte[] {1, 2, 3});
        Path models = fileStore().root().resolve("models");
        try (Stream<Path> files = Files.list(models)) {
            assertEquals(List.of("m.safetensors"), files.map(p -> p.getFileName().toString()).toList());
        }
        Files.write(models.resolve(".tmp-leftover"), new byte[1]);
        assertEquals(List.of("models/m.safetensors"),
                store.list("models/").stream().map(ObjectInfo::key).toList());
    }

    @Test
    void keysCannotReachOutsideTheRoot() throws IOException {
        Files.write(dir.resolve("secret"), new byte[1]);
        assertThrows(IllegalArgumentException.class, () -> store.open("../secret"));
        assertThrows(IllegalArgumentException.class, () -> store.put("../secret", new byte[2]));
        assertEquals(1, Files.size(dir.resolve("secret")));
    }
}

package dev.sdfarm.gateway.store;

import dev.sdfarm.core.store.FileObjectStore;
import dev.sdfarm.core.store.ObjectStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The object store the farm keeps models and images in ({@code sdfarm.store.location}, a folder). */
@ApplicationScoped
public class StoreProducer {
    @ConfigProperty(name = "sdfarm.store.location", defaultValue = ".sdfarm/store")
    String location;

    @Produces
    @ApplicationScoped
    ObjectStore store() {
        try {
            String path = location.startsWith("file:") ? location.substring("file:".length()) : location;
            return new FileObjectStore(Path.of(path));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the object store at " + location, e);
        }
    }

    void close(@Disposes ObjectStore store) throws IOException {
        store.close();
    }
}

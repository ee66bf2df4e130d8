package dev.sdfarm.gateway.store;

import dev.sdfarm.core.store.ObjectStore;
import dev.sdfarm.core.store.ObjectStores;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/** The object store the farm keeps models and images in. */
@ApplicationScoped
public class StoreProducer {
    /**
     * {@code sdfarm.store.location}: a folder ({@code file:} or a path) or {@code s3://bucket/prefix}, with
     * {@code sdfarm.store.s3.*} (endpoint, region, path-style, access-key-id, secret-access-key) for S3.
     */
    @ConfigMapping(prefix = "sdfarm.store")
    public interface StoreConfig {
        @WithDefault(".sdfarm/store")
        String location();

        Map<String, String> s3();
    }

    @Inject
    StoreConfig config;

    @Produces
    @ApplicationScoped
    ObjectStore store() {
        try {
            return ObjectStores.open(config.location(), config.s3());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the object store at " + config.location(), e);
        }
    }

    void close(@Disposes ObjectStore store) throws IOException {
        store.close();
    }
}

package dev.sdfarm.gateway.conversion;

import dev.sdfarm.core.store.FileObjectStore;
import dev.sdfarm.core.store.ObjectStore;
import dev.sdfarm.core.store.ObjectStores;
import dev.sdfarm.gateway.store.StoreProducer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The store as the converter is given it: {@code --store LOCATION} (a file store's absolute folder, so a child
 * in another working directory finds it) and the S3 settings as the environment variables of
 * {@code sdfarm.store.s3.*} ({@code SDFARM_STORE_S3_ENDPOINT}, ...).
 */
@ApplicationScoped
public class StoreEnvironment {
    @Inject
    StoreProducer.StoreConfig config;
    @Inject
    ObjectStore store;

    public String location() {
        return store instanceof FileObjectStore fs ? fs.root().toString() : config.location();
    }

    /** The S3 settings, credentials included when {@code withCredentials}, as environment variables. */
    public Map<String, String> s3(boolean withCredentials) {
        return variables(config.s3(), withCredentials);
    }

    /**
     * The settings as environment variables, under their canonical names whatever spelling the config map has
     * (so {@code access.key.id}, from {@code SDFARM_STORE_S3_ACCESS_KEY_ID}, is a credential too).
     */
    static Map<String, String> variables(Map<String, String> s3, boolean withCredentials) {
        Map<String, String> env = new LinkedHashMap<>();
        ObjectStores.canonicalS3Settings(s3).forEach((k, v) -> {
            boolean credential = k.equals(ObjectStores.ACCESS_KEY_ID) || k.equals(ObjectStores.SECRET_ACCESS_KEY);
            if (withCredentials || !credential) {
                env.put(variable(k), v);
            }
        });
        return env;
    }

    static String variable(String s3Setting) {
        return "SDFARM_STORE_S3_" + s3Setting.toUpperCase(Locale.ROOT).replace('-', '_');
    }
}

package dev.sdfarm.gateway.conversion;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StoreEnvironmentTest {
    /** How a config map holds the settings when they come from SDFARM_STORE_S3_* environment variables. */
    private static final Map<String, String> FROM_ENVIRONMENT = Map.of("endpoint", "http://minio:9000",
            "path.style", "true", "access.key.id", "AKIA-EXAMPLE", "secret.access.key", "s3cret");

    @Test
    void credentialsStayOutOfAJobWhateverTheirSpelling() {
        assertEquals(Map.of("SDFARM_STORE_S3_ENDPOINT", "http://minio:9000", "SDFARM_STORE_S3_PATH_STYLE", "true"),
                StoreEnvironment.variables(FROM_ENVIRONMENT, false));
    }

    @Test
    void aLocalChildGetsThemAll() {
        assertEquals(Map.of("SDFARM_STORE_S3_ENDPOINT", "http://minio:9000", "SDFARM_STORE_S3_PATH_STYLE", "true",
                "SDFARM_STORE_S3_ACCESS_KEY_ID", "AKIA-EXAMPLE", "SDFARM_STORE_S3_SECRET_ACCESS_KEY", "s3cret"),
                StoreEnvironment.variables(FROM_ENVIRONMENT, true));
    }
}

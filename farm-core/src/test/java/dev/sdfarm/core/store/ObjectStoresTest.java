package dev.sdfarm.core.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ObjectStoresTest {
    @TempDir
    Path dir;

    @Test
    void filesFromAFileUriOrAPlainPath() throws IOException {
        try (ObjectStore a = ObjectStores.open(dir.resolve("a").toUri().toString());
             ObjectStore b = ObjectStores.open(dir.resolve("b").toString())) {
            assertEquals(dir.resolve("a"), assertInstanceOf(FileObjectStore.class, a).root());
            assertEquals(dir.resolve("b"), assertInstanceOf(FileObjectStore.class, b).root());
        }
        try (ObjectStore c = ObjectStores.open("file:" + dir.resolve("c"))) {
            assertEquals(dir.resolve("c"), ((FileObjectStore) c).root());
        }
    }

    @Test
    void s3FromBucketPrefixAndSettings() throws IOException {
        Map<String, String> settings = Map.of(ObjectStores.ENDPOINT, "http://127.0.0.1:9000",
                ObjectStores.PATH_STYLE, "true", ObjectStores.ACCESS_KEY_ID, "minio",
                ObjectStores.SECRET_ACCESS_KEY, "minio-secret");
        S3Config c = ObjectStores.s3Config("s3://renders/farm/prod", settings);
        assertEquals(new S3Config(URI.create("http://127.0.0.1:9000"), "us-east-1", "renders", "farm/prod/", true,
                "minio", "minio-secret"), c);
        try (ObjectStore s = ObjectStores.open("s3://renders", settings)) {
            S3Config opened = assertInstanceOf(S3ObjectStore.class, s).config();
            assertEquals("", opened.prefix());
            assertFalse(s.describe().contains("minio-secret"));
            assertTrue(s.describe().contains("s3://renders/"), s.describe());
        }
        S3Config aws = ObjectStores.s3Config("s3://renders/", Map.of(ObjectStores.REGION, "eu-west-1"));
        assertNull(aws.endpoint());
        assertFalse(aws.hasStaticCredentials());
        assertEquals("eu-west-1", aws.region());
    }

    @Test
    void s3SettingsAreReadFromTheServicesConfigurationNames() {
        Map<String, String> config = Map.of("sdfarm.store.s3.endpoint", "http://127.0.0.1:9000",
                "sdfarm.store.s3.access-key-id", "minio", "sdfarm.store.s3.secret-access-key", "minio-secret",
                "sdfarm.store.s3.region", " ", "sdfarm.store.location", "s3://renders");
        Map<String, String> settings = ObjectStores.s3Settings(name -> java.util.Optional.ofNullable(config.get(name)));
        assertEquals(Map.of(ObjectStores.ENDPOINT, "http://127.0.0.1:9000", ObjectStores.ACCESS_KEY_ID, "minio",
                ObjectStores.SECRET_ACCESS_KEY, "minio-secret"), settings);
        assertEquals("minio", ObjectStores.s3Config("s3://renders", settings).accessKeyId());
        assertEquals(Map.of(), ObjectStores.s3Settings(name -> java.util.Optional.empty()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "http://example.com/x", "s3:renders", "s3:///prefix", "s3://Bad_Bucket/x",
            "s3://renders/a//b", "s3://renders/x?versionId=1", "file://host/share", "ftp://x/y"})
    void anythingElseIsRefusedWithAReason(String location) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ObjectStores.open(location, Map.of(ObjectStores.REGION, "us-east-1")));
        assertFalse(e.getMessage().isBlank());
    }

    @Test
    void s3SettingsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> ObjectStores.s3Config("s3://renders", Map.of()));
        assertThrows(IllegalArgumentException.class, () -> ObjectStores.s3Config("s3://renders",
                Map.of(ObjectStores.REGION, "us-east-1", "secret", "x")));
        assertThrows(IllegalArgumentException.class, () -> ObjectStores.s3Config("s3://renders",
                Map.of(ObjectStores.REGION, "us-east-1", ObjectStores.PATH_STYLE, "yes")));
    }

    @Test
    void settingsKeyedFromEnvironmentVariablesAreRecognised() {
        // SDFARM_STORE_S3_PATH_STYLE and SDFARM_STORE_S3_ACCESS_KEY_ID reach a config map as these keys
        S3Config c = ObjectStores.s3Config("s3://renders", Map.of("endpoint", "http://127.0.0.1:9000",
                "path.style", "true", "access.key.id", "minio", "SECRET_ACCESS_KEY", "minio-secret"));
        assertTrue(c.pathStyle());
        assertEquals("minio", c.accessKeyId());
        assertTrue(c.hasStaticCredentials());
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> ObjectStores.s3Config(
                "s3://renders", Map.of("region", "us-east-1", "path-style", "true", "path.style", "false")));
        assertTrue(twice.getMessage().contains("twice"), twice.getMessage());
    }
}

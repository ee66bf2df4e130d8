package dev.sdfarm.core.store;

import com.adobe.testing.s3mock.S3MockApplication;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store contract against a real S3 server: Adobe S3Mock, started once inside the test JVM on a random port.
 * Every test gets its own key prefix in one bucket, so the tests cannot see each other's objects.
 */
class S3ObjectStoreTest extends ObjectStoreContract {
    private static final String BUCKET = "farm";
    private static final int LIST_PAGE = 100;
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static S3MockApplication s3mock;
    private static URI endpoint;
    private static S3Client raw;

    @BeforeAll
    static void startS3() throws IOException {
        Path root = Files.createTempDirectory("s3mock");
        // start() adds its defaults to the map, so it must be mutable.
        s3mock = S3MockApplication.start(new HashMap<>(Map.of(
                S3MockApplication.PROP_HTTP_PORT, S3MockApplication.RANDOM_PORT,
                S3MockApplication.PROP_HTTPS_PORT, S3MockApplication.RANDOM_PORT,
                "com.adobe.testing.s3mock.store.initialBuckets", BUCKET,
                "com.adobe.testing.s3mock.store.root", root.toString(),
                "com.adobe.testing.s3mock.store.retainFilesOnExit", "false",
                S3MockApplication.PROP_SILENT, "true")));
        endpoint = URI.create("http://127.0.0.1:" + s3mock.getHttpPort());
        raw = S3Client.builder().httpClientBuilder(UrlConnectionHttpClient.builder()).region(Region.US_EAST_1)
                .endpointOverride(endpoint).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("id", "x")))
                .build();
    }

    @AfterAll
    static void stopS3() {
        if (raw != null) {
            raw.close();
        }
        if (s3mock != null) {
            s3mock.stop();
        }
    }

    private static S3Config config(String prefix) {
        return new S3Config(endpoint, "us-east-1", BUCKET, prefix, true, "farm-test-key", SECRET);
    }

    private static String freshPrefix() {
        return "t" + PREFIXES.incrementAndGet() + "/";
    }

    @Override
    ObjectStore newStore() {
        return new S3ObjectStore(config(freshPrefix()), S3ObjectStore.MIN_PART_SIZE, LIST_PAGE);
    }

    /** Each key is a PUT and a HEAD over HTTP; with pages of 100, 250 keys still span three of them. */
    @Override
    int manyKeys() {
        return 250;
    }

    @Override
    long largerThanAPart() {
        return 2 * S3ObjectStore.MIN_PART_SIZE + 12345;
    }

    S3ObjectStore s3Store() {
        return (S3ObjectStore) store;
    }

    private static List<String> rawKeys(String prefix) {
        return raw.listObjectsV2Paginator(r -> r.bucket(BUCKET).prefix(prefix)).contents().stream()
                .map(S3Object::key).toList();
    }

    private Path randomFile(String name, long size) throws IOException {
        byte[] chunk = new byte[1 << 20];
        new Random(size).nextBytes(chunk);
        Path file = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long written = 0; written < size; written += chunk.length) {
                out.write(chunk, 0, (int) Math.min(chunk.length, size - written));
            }
        }
        return file;
    }

    @Test
    void keysLiveUnderThePrefixAndForeignObjectsAreNotListed() throws IOException {
        String prefix = s3Store().config().prefix();
        store.put("outputs/0.png", new byte[] {1});
        assertEquals(List.of(prefix + "outputs/0.png"), rawKeys(prefix));
        assertEquals("image/png", raw.headObject(r -> r.bucket(BUCKET).key(prefix + "outputs/0.png")).contentType());
        raw.putObject(r -> r.bucket(BUCKET).key(prefix + "outputs/folder marker/"), RequestBody.empty());
        raw.putObject(r -> r.bucket(BUCKET).key(prefix + "outputs/.hidden"), RequestBody.empty());
        assertEquals(List.of("outputs/0.png"), store.list("").stream().map(ObjectInfo::key).toList());
        try (S3ObjectStore other = new S3ObjectStore(config(freshPrefix()))) {
            assertEquals(List.of(), other.list(""));
            assertTrue(other.stat("outputs/0.png").isEmpty());
        }
    }

    @Test
    void smallListPagesStillReturnEverything() throws IOException {
        try (S3ObjectStore paged = new S3ObjectStore(config(freshPrefix()), S3ObjectStore.MIN_PART_SIZE, 7)) {
            for (int i = 0; i < 30; i++) {
                paged.put("p/" + (char) ('a' + i % 26) + i, new byte[0]);
            }
            List<String> keys = paged.list("p/").stream().map(ObjectInfo::key).toList();
            assertEquals(30, keys.size());
            assertEquals(keys.stream().sorted().toList(), keys);
        }
    }

    /** A client whose second part upload fails, as a dropped connection would. */
    private static final class FailingSecondPart implements S3Client {
        private final S3Client inner;
        private final AtomicInteger parts = new AtomicInteger();
        private final AtomicInteger aborts = new AtomicInteger();

        FailingSecondPart(S3Client inner) {
            this.inner = inner;
        }

        @Override
        public CreateMultipartUploadResponse createMultipartUpload(CreateMultipartUploadRequest r) {
            return inner.createMultipartUpload(r);
        }

        @Override
        public UploadPartResponse uploadPart(UploadPartRequest r, RequestBody body) {
            if (parts.incrementAndGet() == 2) {
                throw SdkClientException.create("connection reset while sending part 2");
            }
            return inner.uploadPart(r, body);
        }

        @Override
        public AbortMultipartUploadResponse abortMultipartUpload(AbortMultipartUploadRequest r) {
            aborts.incrementAndGet();
            return inner.abortMultipartUpload(r);
        }

        @Override
        public String serviceName() {
            return inner.serviceName();
        }

        @Override
        public void close() {
        }
    }

    /*
     * On AWS an aborted upload leaves an older object under the same key untouched. S3Mock 5.2.0 deletes that
     * object on abort, so this checks a fresh key: no object and no pending upload afterwards.
     */
    @Test
    void aFailedMultipartUploadIsAbortedAndLeavesNoObject() throws IOException {
        Path big = randomFile("three-parts.bin", 2 * S3ObjectStore.MIN_PART_SIZE + 1);
        String prefix = s3Store().config().prefix();
        FailingSecondPart failing = new FailingSecondPart(raw);
        try (S3ObjectStore s = new S3ObjectStore(config(prefix), failing, S3ObjectStore.MIN_PART_SIZE,
                S3ObjectStore.MAX_LIST_PAGE, false)) {
            IOException e = assertThrows(IOException.class, () -> s.put("models/m.safetensors", big));
            assertTrue(e.getMessage().contains("s3://" + BUCKET + "/" + prefix + "models/m.safetensors"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("connection reset"), e.getMessage());
            assertFalse(e.getMessage().contains(SECRET));
        }
        assertEquals(1, failing.aborts.get());
        assertEquals(List.of(), raw.listMultipartUploads(r -> r.bucket(BUCKET).prefix(prefix)).uploads());
        assertTrue(store.stat("models/m.safetensors").isEmpty());
        assertEquals(List.of(), rawKeys(prefix));
    }

    @Test
    void multipartUploadsWithTheAwsDefaultChecksumsWork() throws IOException {
        Path big = randomFile("crc.bin", 2 * S3ObjectStore.MIN_PART_SIZE + 1);
        try (S3ObjectStore s = new S3ObjectStore(config(freshPrefix()), S3ObjectStore.MIN_PART_SIZE,
                S3ObjectStore.MAX_LIST_PAGE, true)) {
            assertEquals(Files.size(big), s.put("models/crc.safetensors", big).size());
            Path back = dir.resolve("crc-back.bin");
            s.download("models/crc.safetensors", back);
            assertEquals(-1, Files.mismatch(big, back));
            assertEquals(9, s.put("models/small", Files.write(dir.resolve("s"), new byte[9])).size());
        }
    }

    @Test
    void aMissingBucketIsAnErrorNotAMissingObject() {
        S3Config c = new S3Config(endpoint, "us-east-1", "no-such-bucket", "x", true, "farm-test-key", SECRET);
        try (S3ObjectStore s = new S3ObjectStore(c)) {
            IOException e = assertThrows(IOException.class, () -> s.open("a.png"));
            assertFalse(e instanceof NoSuchObjectException, e.toString());
            assertTrue(e.getMessage().contains("s3://no-such-bucket/x/a.png"), e.getMessage());
            assertFalse(e.getMessage().contains(SECRET));
            assertInstanceOf(IOException.class, assertThrows(IOException.class, () -> s.put("a.png", new byte[1])));
            assertThrows(IOException.class, () -> s.list(""));
        }
    }

    @Test
    void theConfigNeverPrintsTheSecret() {
        S3Config c = config("farm");
        assertEquals("farm/", c.prefix());
        assertFalse(c.toString().contains(SECRET), c.toString());
        assertTrue(c.toString().contains("****"));
        assertFalse(s3Store().describe().contains("farm-test-key"));
        assertThrows(IllegalArgumentException.class,
                () -> new S3Config(endpoint, "us-east-1", BUCKET, "", true, "id-only", null));
        assertThrows(IllegalArgumentException.class,
                () -> new S3Config(endpoint, "us-east-1", BUCKET, "../up", true, null, null));
    }
}

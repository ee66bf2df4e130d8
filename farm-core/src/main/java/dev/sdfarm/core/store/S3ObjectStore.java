package dev.sdfarm.core.store;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * An object store in an S3 bucket (AWS, MinIO or any S3-compatible server): key {@code a/b.png} is the S3 key
 * {@code PREFIX a/b.png}. A PUT replaces an object atomically; files larger than the part size go up as a
 * multipart upload, which is aborted on any failure, so a failed upload never leaves an object (or a part of one)
 * behind. Downloads land in a temporary file beside the target and are renamed over it.
 *
 * <p>Against a custom endpoint the client sends and checks checksums only where S3 requires them, because
 * several S3-compatible servers reject the checksum headers the SDK adds by default; against AWS the SDK's
 * default (CRC32 on every upload) stays, and multipart uploads carry CRC32 per part.
 *
 * <p>Objects under the prefix whose names are not valid {@link ObjectKeys} (put there by other tools) are not
 * listed. {@link #delete} asks whether the object exists first, so its answer can race with other writers.
 */
public final class S3ObjectStore implements ObjectStore {
    /** The default size of a multipart upload's parts, and the size above which a file goes up in parts. */
    public static final long DEFAULT_PART_SIZE = 16L << 20;
    /** S3 refuses parts smaller than this (except the last). */
    public static final long MIN_PART_SIZE = 5L << 20;
    /** S3 allows at most this many parts in one upload. */
    private static final int MAX_PARTS = 10_000;
    /** S3 returns at most this many keys per ListObjectsV2 page. */
    public static final int MAX_LIST_PAGE = 1000;

    private final S3Config config;
    private final S3Client client;
    private final long partSize;
    private final int listPageSize;
    private final boolean checksums;

    /** A store with the default part size and list page size. */
    public S3ObjectStore(S3Config config) {
        this(config, DEFAULT_PART_SIZE, MAX_LIST_PAGE);
    }

    /**
     * @param partSize     bytes per multipart part (at least {@link #MIN_PART_SIZE}); files up to this size go up
     *                     in one PUT
     * @param listPageSize keys per ListObjectsV2 request, 1 to {@link #MAX_LIST_PAGE}
     */
    public S3ObjectStore(S3Config config, long partSize, int listPageSize) {
        this(config, partSize, listPageSize, config.endpoint() == null);
    }

    /** {@code checksums}: whether uploads carry the SDK's default checksums (AWS) or only required ones. */
    S3ObjectStore(S3Config config, long partSize, int listPageSize, boolean checksums) {
        this(config, client(config, checksums), partSize, listPageSize, checksums);
    }

    /** Over a given client, which the store closes. */
    S3ObjectStore(S3Config config, S3Client client, long partSize, int listPageSize, boolean checksums) {
        if (partSize < MIN_PART_SIZE || partSize > Integer.MAX_VALUE - 8) {
            client.close();
            throw new IllegalArgumentException("S3 part size " + partSize + " is outside " + MIN_PART_SIZE + " to "
                    + (Integer.MAX_VALUE - 8));
        }
        if (listPageSize < 1 || listPageSize > MAX_LIST_PAGE) {
            client.close();
            throw new IllegalArgumentException("S3 list page size " + listPageSize + " is outside 1 to "
                    + MAX_LIST_PAGE);
        }
        this.config = config;
        this.client = client;
        this.partSize = partSize;
        this.listPageSize = listPageSize;
        this.checksums = checksums;
    }

    private static S3Client client(S3Config config, boolean checksums) {
        AwsCredentialsProvider credentials = config.hasStaticCredentials()
                ? StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(config.accessKeyId(), config.secretAccessKey()))
                : DefaultCredentialsProvider.builder().build();
        S3ClientBuilder b = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .region(Region.of(config.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(config.pathStyle());
        if (config.endpoint() != null) {
            b.endpointOverride(config.endpoint());
        }
        if (!checksums) {
            b.requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        }
        return b.build();
    }

    public S3Config config() {
        return config;
    }

    @Override
    public ObjectInfo put(String key, byte[] bytes) throws IOException {
        String s3Key = s3Key(key);
        try {
            client.putObject(r -> r.bucket(config.bucket()).key(s3Key).contentType(ObjectKeys.contentType(key))
                    .contentLength((long) bytes.length), RequestBody.fromBytes(bytes));
        } catch (SdkException e) {
            throw failure("put", key, e);
        }
        return afterPut(key);
    }

    @Override
    public ObjectInfo put(String key, Path file) throws IOException {
        String s3Key = s3Key(key);
        long size = Files.size(file);
        if (size > partSize) {
            putInParts(key, s3Key, file, size);
        } else {
            try {
                client.putObject(r -> r.bucket(config.bucket()).key(s3Key).contentType(ObjectKeys.contentType(key))
                        .contentLength(size), RequestBody.fromFile(file));
            } catch (SdkException e) {
                throw failure("put", key, e);
            }
        }
        return afterPut(key);
    }

    private void putInParts(String key, String s3Key, Path file, long size) throws IOException {
        int part = (int) Math.max(partSize, Math.ceilDiv(size, MAX_PARTS));
        ChecksumAlgorithm algorithm = checksums ? ChecksumAlgorithm.CRC32 : null;
        String uploadId;
        try {
            uploadId = client.createMultipartUpload(r -> r.bucket(config.bucket()).key(s3Key)
                    .contentType(ObjectKeys.contentType(key)).checksumAlgorithm(algorithm)).uploadId();
        } catch (SdkException e) {
            throw failure("start multipart upload of", key, e);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            byte[] buf = new byte[part];
            List<CompletedPart> parts = new ArrayList<>();
            for (long offset = 0; offset < size; offset += part) {
                int len = (int) Math.min(part, size - offset);
                readFully(ch, ByteBuffer.wrap(buf, 0, len), offset, file);
                int number = parts.size() + 1;
                UploadPartResponse up = client.uploadPart(r -> r.bucket(config.bucket()).key(s3Key)
                                .uploadId(uploadId).partNumber(number).contentLength((long) len)
                                .checksumAlgorithm(algorithm),
                        RequestBody.fromContentProvider(() -> new ByteArrayInputStream(buf, 0, len), len,
                                "application/octet-stream"));
                parts.add(CompletedPart.builder().partNumber(number).eTag(up.eTag())
                        .checksumCRC32(up.checksumCRC32()).checksumCRC32C(up.checksumCRC32C())
                        .checksumCRC64NVME(up.checksumCRC64NVME()).checksumSHA1(up.checksumSHA1())
                        .checksumSHA256(up.checksumSHA256()).build());
            }
            client.completeMultipartUpload(r -> r.bucket(config.bucket()).key(s3Key).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(parts)));
        } catch (IOException | RuntimeException e) {
            try {
                client.abortMultipartUpload(r -> r.bucket(config.bucket()).key(s3Key).uploadId(uploadId));
            } catch (RuntimeException abort) {
                e.addSuppressed(abort);
            }
            if (e instanceof SdkException s) {
                throw failure("multipart upload of", key, s);
            }
            throw e;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer into, long position, Path file) throws IOException {
        while (into.hasRemaining()) {
            int n = ch.read(into, position);
            if (n < 0) {
                throw new EOFException(file + " became shorter while it was being uploaded");
            }
            position += n;
        }
    }

    /** What a PUT just stored, as the server reports it. */
    private ObjectInfo afterPut(String key) throws IOException {
        return stat(key).orElseThrow(() -> new IOException("object '" + key + "' vanished from "
                + describe() + " right after it was stored"));
    }

    @Override
    public Optional<ObjectInfo> stat(String key) throws IOException {
        String s3Key = s3Key(key);
        try {
            HeadObjectResponse h = client.headObject(r -> r.bucket(config.bucket()).key(s3Key));
            return Optional.of(new ObjectInfo(key, h.contentLength(), h.lastModified()));
        } catch (SdkException e) {
            IOException io = failure("stat", key, e);
            if (io instanceof NoSuchObjectException) {
                return Optional.empty();
            }
            throw io;
        }
    }

    @Override
    public InputStream open(String key) throws IOException {
        String s3Key = s3Key(key);
        try {
            return client.getObject(r -> r.bucket(config.bucket()).key(s3Key));
        } catch (SdkException e) {
            throw failure("open", key, e);
        }
    }

    @Override
    public void download(String key, Path target) throws IOException {
        String s3Key = s3Key(key);
        AtomicFiles.replace(target, tmp -> {
            try (InputStream in = client.getObject(r -> r.bucket(config.bucket()).key(s3Key))) {
                Files.copy(in, tmp);
            } catch (SdkException e) {
                throw failure("download", key, e);
            }
        });
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        String p = ObjectKeys.requirePrefix(prefix);
        String base = config.prefix();
        List<ObjectInfo> out = new ArrayList<>();
        ListObjectsV2Request.Builder req = ListObjectsV2Request.builder().bucket(config.bucket()).prefix(base + p)
                .maxKeys(listPageSize);
        try {
            while (true) {
                ListObjectsV2Response page = client.listObjectsV2(req.build());
                for (S3Object o : page.contents()) {
                    String key = o.key().substring(base.length());
                    if (isKey(key)) {
                        out.add(new ObjectInfo(key, o.size(), o.lastModified()));
                    }
                }
                if (!Boolean.TRUE.equals(page.isTruncated())) {
                    break;
                }
                req.continuationToken(page.nextContinuationToken());
            }
        } catch (SdkException e) {
            throw failure("list", p, e, false);
        }
        out.sort(Comparator.comparing(ObjectInfo::key));
        return out;
    }

    private static boolean isKey(String key) {
        try {
            ObjectKeys.require(key);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    public boolean delete(String key) throws IOException {
        String s3Key = s3Key(key);
        if (stat(key).isEmpty()) {
            return false;
        }
        try {
            client.deleteObject(r -> r.bucket(config.bucket()).key(s3Key));
            return true;
        } catch (SdkException e) {
            throw failure("delete", key, e);
        }
    }

    @Override
    public String describe() {
        return "S3 store " + config.location();
    }

    @Override
    public String toString() {
        return describe();
    }

    @Override
    public void close() {
        client.close();
    }

    private String s3Key(String key) {
        return config.prefix() + ObjectKeys.require(key);
    }

    /**
     * {@code e} as an IOException naming the bucket and key: {@link NoSuchObjectException} when S3 says there is
     * no such key (a missing bucket stays an error). S3 error messages carry no credentials.
     */
    private IOException failure(String action, String key, SdkException e) {
        return failure(action, key, e, true);
    }

    private IOException failure(String action, String key, SdkException e, boolean keyLookup) {
        boolean missingKey = keyLookup && (e instanceof NoSuchKeyException
                || e instanceof S3Exception s && s.statusCode() == 404 && !"NoSuchBucket".equals(errorCode(s)));
        IOException io = missingKey ? new NoSuchObjectException(describe(), key)
                : new IOException("cannot " + action + " s3://" + config.bucket() + "/" + config.prefix()
                        + key + (config.endpoint() == null ? "" : " at " + config.endpoint())
                        + ": " + detail(e), e);
        if (missingKey) {
            io.initCause(e);
        }
        return io;
    }

    private static String errorCode(S3Exception e) {
        return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    }

    private static String detail(SdkException e) {
        if (e instanceof S3Exception s) {
            String code = errorCode(s);
            return "HTTP " + s.statusCode() + (code == null ? "" : " " + code) + " (" + e.getMessage() + ")";
        }
        return e.getMessage();
    }
}

package dev.sdfarm.core.store;

import java.net.URI;

/**
 * Where an {@link S3ObjectStore} keeps its objects.
 *
 * @param endpoint        the server to talk to, for MinIO and other S3-compatible stores; null for AWS itself
 * @param region          the bucket's region (S3-compatible servers usually accept {@code us-east-1})
 * @param bucket          the bucket, which must exist
 * @param prefix          the folder inside the bucket that holds the store's keys: empty, or key segments; a
 *                        missing trailing '/' is added, so {@code farm} stores key {@code a.png} as {@code farm/a.png}
 * @param pathStyle       address the bucket as {@code endpoint/bucket/key} rather than {@code bucket.endpoint/key}
 *                        (MinIO and most S3-compatible servers need this)
 * @param accessKeyId     with {@code secretAccessKey}, static credentials; both null to use the AWS SDK's default
 *                        chain (environment, system properties, profile, web identity, container, instance role)
 * @param secretAccessKey the secret half of the static credentials; never printed by {@link #toString()}
 */
public record S3Config(URI endpoint, String region, String bucket, String prefix, boolean pathStyle,
                       String accessKeyId, String secretAccessKey) {
    public S3Config {
        if (region == null || region.isBlank()) {
            throw new IllegalArgumentException("S3 region is missing");
        }
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException("S3 bucket is missing");
        }
        if (endpoint != null && (endpoint.getScheme() == null || endpoint.getHost() == null)) {
            throw new IllegalArgumentException("S3 endpoint '" + endpoint + "' is not an absolute http(s) URI");
        }
        prefix = prefix == null || prefix.isEmpty() ? ""
                : ObjectKeys.requirePrefix(prefix.endsWith("/") ? prefix : prefix + "/");
        accessKeyId = blankToNull(accessKeyId);
        secretAccessKey = blankToNull(secretAccessKey);
        if ((accessKeyId == null) != (secretAccessKey == null)) {
            throw new IllegalArgumentException("S3 access key id and secret access key must be given together");
        }
    }

    /** AWS S3 in {@code region} with the default credentials chain. */
    public static S3Config aws(String region, String bucket, String prefix) {
        return new S3Config(null, region, bucket, prefix, false, null, null);
    }

    /** True when static credentials were given rather than left to the default chain. */
    public boolean hasStaticCredentials() {
        return accessKeyId != null;
    }

    /** {@code s3://bucket/prefix}, plus the endpoint when there is one; no credentials. */
    public String location() {
        return "s3://" + bucket + "/" + prefix + (endpoint == null ? "" : " at " + endpoint);
    }

    /** Every setting except the secret, which shows as {@code ****} when present. */
    @Override
    public String toString() {
        return "S3Config[endpoint=" + endpoint + ", region=" + region + ", bucket=" + bucket + ", prefix=" + prefix
                + ", pathStyle=" + pathStyle + ", accessKeyId=" + accessKeyId
                + ", secretAccessKey=" + (secretAccessKey == null ? null : "****") + "]";
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}

package dev.sdfarm.core.store;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Opens a store from one location string, as services take it from their configuration:
 * <ul>
 *   <li>{@code file:/srv/farm} or a plain path such as {@code /srv/farm} or {@code data/farm}: a
 *       {@link FileObjectStore} in that folder;</li>
 *   <li>{@code s3://bucket} or {@code s3://bucket/prefix}: an {@link S3ObjectStore}, with the rest of its
 *       {@link S3Config} from {@code settings}: {@value #ENDPOINT}, {@value #REGION}, {@value #PATH_STYLE}
 *       ({@code true}/{@code false}), {@value #ACCESS_KEY_ID} and {@value #SECRET_ACCESS_KEY}. All are optional;
 *       the region defaults to {@code us-east-1} when an endpoint is given and must be set otherwise, and without
 *       keys the AWS default credentials chain applies.</li>
 * </ul>
 * Anything else (another scheme, a bucket-less {@code s3:} URI, an unknown setting) is an
 * {@link IllegalArgumentException} that says what was expected.
 */
public final class ObjectStores {
    public static final String ENDPOINT = "endpoint";
    public static final String REGION = "region";
    public static final String PATH_STYLE = "path-style";
    public static final String ACCESS_KEY_ID = "access-key-id";
    public static final String SECRET_ACCESS_KEY = "secret-access-key";
    private static final Set<String> SETTINGS = Set.of(ENDPOINT, REGION, PATH_STYLE, ACCESS_KEY_ID,
            SECRET_ACCESS_KEY);
    /** Where the services' configuration keeps the S3 settings: {@code sdfarm.store.s3.endpoint} and so on. */
    public static final String S3_CONFIG_PREFIX = "sdfarm.store.s3.";

    private ObjectStores() {
    }

    /** A file store, or an S3 store on the default credentials chain with no endpoint or region settings. */
    public static ObjectStore open(String location) throws IOException {
        return open(location, Map.of());
    }

    /** The store at {@code location}; {@code settings} apply to {@code s3://} locations only. */
    public static ObjectStore open(String location, Map<String, String> settings) throws IOException {
        if (location == null || location.isBlank()) {
            throw new IllegalArgumentException("object store location is empty; expected a folder, file:/folder"
                    + " or s3://bucket/prefix");
        }
        String lower = location.toLowerCase(Locale.ROOT);
        if (lower.startsWith("s3:")) {
            return new S3ObjectStore(s3Config(location, settings));
        }
        if (lower.startsWith("file:")) {
            URI uri = URI.create(location);
            if (uri.getAuthority() != null || uri.getPath() == null || uri.getPath().isEmpty()) {
                throw new IllegalArgumentException("object store location '" + location
                        + "' is not a local file URI; expected file:/folder or file:///folder");
            }
            return new FileObjectStore(Path.of(uri));
        }
        int colon = location.indexOf(':');
        if (colon > 1 && location.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*")) {
            throw new IllegalArgumentException("object store location '" + location + "' has scheme '"
                    + location.substring(0, colon) + "'; expected a folder, file:/folder or s3://bucket/prefix");
        }
        return new FileObjectStore(Path.of(location));
    }

    /**
     * S3 settings under their canonical names ({@link #ACCESS_KEY_ID}, ...). A name may come with dots or
     * underscores for the dashes ({@code path.style}, {@code ACCESS_KEY_ID}): that is how a config map keyed from
     * environment variables ({@code SDFARM_STORE_S3_PATH_STYLE}) spells them. An unknown setting, or one given
     * twice under two spellings, is an {@link IllegalArgumentException}.
     */
    public static Map<String, String> canonicalS3Settings(Map<String, String> settings) {
        Map<String, String> out = new java.util.HashMap<>();
        for (var e : settings.entrySet()) {
            String name = e.getKey().toLowerCase(Locale.ROOT).replace('.', '-').replace('_', '-');
            if (!SETTINGS.contains(name)) {
                throw new IllegalArgumentException("unknown S3 setting '" + e.getKey() + "'; known: " + SETTINGS);
            }
            if (out.put(name, e.getValue()) != null) {
                throw new IllegalArgumentException("S3 setting '" + name + "' is given twice, as '" + e.getKey()
                        + "' and another spelling");
            }
        }
        return out;
    }

    /**
     * The S3 settings found in a configuration, each under {@value #S3_CONFIG_PREFIX}{@code <setting>}, for
     * {@link #open(String, Map)}. Asking for every setting by its full name lets a configuration with environment
     * variables ({@code SDFARM_STORE_S3_ACCESS_KEY_ID}) find dashed names, which it could not enumerate.
     *
     * @param config the value of a configuration property, or empty when it is not set
     */
    public static Map<String, String> s3Settings(Function<String, Optional<String>> config) {
        Map<String, String> settings = new LinkedHashMap<>();
        for (String name : List.of(ENDPOINT, REGION, PATH_STYLE, ACCESS_KEY_ID, SECRET_ACCESS_KEY)) {
            config.apply(S3_CONFIG_PREFIX + name).filter(v -> !v.isBlank()).ifPresent(v -> settings.put(name, v));
        }
        return settings;
    }

    /** The S3 settings for an {@code s3://bucket/prefix} location. */
    public static S3Config s3Config(String location, Map<String, String> settings) {
        URI uri;
        try {
            uri = new URI(location);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("object store location '" + location + "' is not a valid URI: "
                    + e.getMessage(), e);
        }
        String bucket = uri.getRawAuthority();
        if (!"s3".equalsIgnoreCase(uri.getScheme()) || bucket == null || !bucket.matches("[a-z0-9][a-z0-9.-]*")
                || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("object store location '" + location
                    + "' is not of the form s3://bucket or s3://bucket/prefix");
        }
        settings = canonicalS3Settings(settings);
        String endpoint = settings.get(ENDPOINT);
        URI endpointUri = endpoint == null || endpoint.isBlank() ? null : URI.create(endpoint);
        String region = settings.get(REGION);
        if ((region == null || region.isBlank()) && endpointUri != null) {
            region = "us-east-1";
        }
        if (region == null || region.isBlank()) {
            throw new IllegalArgumentException("S3 store " + location + " needs the '" + REGION + "' setting");
        }
        String pathStyle = settings.getOrDefault(PATH_STYLE, "false").trim().toLowerCase(Locale.ROOT);
        if (!pathStyle.equals("true") && !pathStyle.equals("false")) {
            throw new IllegalArgumentException("S3 setting '" + PATH_STYLE + "' must be true or false");
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        String prefix = path.startsWith("/") ? path.substring(1) : path;
        return new S3Config(endpointUri, region, bucket, prefix, Boolean.parseBoolean(pathStyle),
                settings.get(ACCESS_KEY_ID), settings.get(SECRET_ACCESS_KEY));
    }
}

package dev.sdfarm.worker;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Map;

/**
 * {@code sdfarm.store.*}: {@code location}, a folder or {@code s3://bucket/prefix}, and for S3 the
 * {@code s3.*} settings (endpoint, region, path-style, access-key-id, secret-access-key).
 */
@ConfigMapping(prefix = "sdfarm.store")
public interface StoreConfig {
    @WithDefault(".sdfarm/store")
    String location();

    Map<String, String> s3();
}

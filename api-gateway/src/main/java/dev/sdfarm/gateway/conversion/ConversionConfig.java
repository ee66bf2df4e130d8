package dev.sdfarm.gateway.conversion;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** {@code sdfarm.conversions.*}: which launcher runs the converter, and how (see the README's config table). */
@ConfigMapping(prefix = "sdfarm.conversions")
public interface ConversionConfig {
    /** {@code local} or {@code kubernetes}; unset: kubernetes in a cluster (KUBERNETES_SERVICE_HOST), else local. */
    Optional<String> launcher();

    /** The converter command of the local launcher; unset: java -jar on converter-job's build output. */
    Optional<List<String>> localCommand();

    /** Converter processes the local launcher runs at once; the rest wait in a queue. */
    @WithDefault("1")
    int localConcurrency();

    /** Image of the converter Job. */
    @WithDefault("sdfarm/converter-job:latest")
    String image();

    /** The container's command; unset: the image's entrypoint (the converter) with the contract's arguments. */
    Optional<List<String>> command();

    /** Namespace of the Jobs; unset: the client's (the gateway's own namespace in a cluster). */
    Optional<String> namespace();

    /** Service account the converter pods run as (for example one bound to the bucket); unset: the default. */
    Optional<String> serviceAccount();

    @WithDefault("IfNotPresent")
    String imagePullPolicy();

    /** A Secret with the S3 credentials of the converter pods; unset: the pods' default credentials chain. */
    Optional<String> storeSecret();

    /** Key of the access key id in {@link #storeSecret()}. */
    @WithDefault("access-key-id")
    String storeSecretAccessKeyIdKey();

    /** Key of the secret access key in {@link #storeSecret()}. */
    @WithDefault("secret-access-key")
    String storeSecretSecretAccessKeyKey();

    @WithDefault("2")
    int backoffLimit();

    @WithDefault("3600")
    int ttlSecondsAfterFinished();

    @WithDefault("21600")
    long activeDeadlineSeconds();

    /** How often the pod log of a running Job is read for progress. */
    @WithDefault("5s")
    Duration logPoll();

    Resources resources();

    /** Requests and limits of the converter container. */
    interface Resources {
        @WithDefault("1")
        String cpuRequest();

        Optional<String> cpuLimit();

        @WithDefault("1Gi")
        String memoryRequest();

        @WithDefault("2Gi")
        String memoryLimit();
    }
}

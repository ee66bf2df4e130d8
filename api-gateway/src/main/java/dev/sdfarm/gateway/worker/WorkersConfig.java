package dev.sdfarm.gateway.worker;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** {@code sdfarm.workers.*}: how the gateway keeps and shows the farm's workers. */
@ConfigMapping(prefix = "sdfarm.workers")
public interface WorkersConfig {
    /**
     * Join heartbeats with the worker pods through the Kubernetes API. Default: on when the gateway runs in a
     * pod (the environment has {@code KUBERNETES_SERVICE_HOST}); off, the Kubernetes client is never made.
     */
    Optional<Boolean> kubernetes();

    /** Namespace of the worker pods; default: the Kubernetes client's own (the gateway's, in a pod). */
    Optional<String> namespace();

    /** Label selector of the worker pods. */
    @WithDefault("app.kubernetes.io/component=worker")
    String podSelector();

    /** A worker whose last heartbeat is older than this is STALE (the interval is 5 s). */
    @WithDefault("20s")
    Duration staleAfter();

    /** A worker not heard from for this long is dropped from the view. */
    @WithDefault("10m")
    Duration forgetAfter();

    /** Most workers kept in memory; past it, the one heard from longest ago is dropped. */
    @WithDefault("10000")
    int maxWorkers();

    /** At startup, heartbeats sent this long ago and since are read back, so the alive workers show at once. */
    @WithDefault("1m")
    Duration lookback();

    /** How long one listing of the pods serves requests (0: list on every request). */
    @WithDefault("2s")
    Duration podCache();
}

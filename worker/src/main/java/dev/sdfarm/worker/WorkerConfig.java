package dev.sdfarm.worker;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Optional;

/** {@code sdfarm.worker.*}. */
@ConfigMapping(prefix = "sdfarm.worker")
public interface WorkerConfig {
    /** This worker's id in events and heartbeats; default: host name and process id. */
    Optional<String> id();

    /** Where models are copied from the object store before they are mapped into memory. */
    @WithDefault(".sdfarm/worker-cache")
    String cacheDir();

    /** Bytes of model files kept resident (memory-mapped) at once; least recently used ones are closed. */
    @WithDefault("8G")
    String modelBudget();

    /**
     * Most images sampled together: queued requests that sample alike (same model, size, sampler, scheduler,
     * steps, noise source, eta) share one UNet batch up to this many images; 1 renders one request at a time.
     */
    @WithDefault("4")
    int maxBatchImages();

    /** Times a request that fails (not by crashing the worker) is tried before it goes to the dead-letter topic. */
    @WithDefault("3")
    int maxAttempts();

    /** Least time between two progress events of a job. */
    @WithDefault("500")
    long progressIntervalMs();

    @WithDefault("5000")
    long heartbeatIntervalMs();

    /** Compute threads; default: all cores. */
    Optional<Integer> threads();

    /** Kafka session timeout: how soon a crashed worker's requests go to another worker. */
    @WithDefault("10000")
    long sessionTimeoutMs();

    /** How long a shutdown waits for the job in hand before giving it back to the queue. */
    @WithDefault("60")
    int shutdownGraceSeconds();
}

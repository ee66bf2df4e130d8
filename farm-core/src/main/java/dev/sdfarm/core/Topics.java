package dev.sdfarm.core;

/**
 * Kafka topic names, the one place services agree on them. Requests are keyed by model sha256 so a worker
 * keeps seeing the models it has resident; events are keyed by job id. Each topic has a {@code .dlq} twin
 * for poison messages.
 */
public final class Topics {
    public static final String GENERATION_INTERACTIVE = "sdfarm.generation.requests.interactive";
    public static final String GENERATION_BATCH = "sdfarm.generation.requests.batch";
    public static final String CONVERSION_REQUESTS = "sdfarm.conversion.requests";
    public static final String JOB_EVENTS = "sdfarm.job.events";
    public static final String WORKER_HEARTBEATS = "sdfarm.worker.heartbeats";
    /** Cancellations, keyed by job id; every worker reads all of it. */
    public static final String JOB_CONTROL = "sdfarm.job.control";

    private Topics() {
    }

    /** The dead-letter topic of {@code topic}. */
    public static String deadLetter(String topic) {
        return topic + ".dlq";
    }
}

package dev.sdfarm.gateway.job;

import dev.sdfarm.core.Topics;

/** Which queue a job waits in; workers drain interactive first. */
public enum Priority {
    INTERACTIVE(Topics.GENERATION_INTERACTIVE), BATCH(Topics.GENERATION_BATCH);

    private final String topic;

    Priority(String topic) {
        this.topic = topic;
    }

    public String topic() {
        return topic;
    }
}

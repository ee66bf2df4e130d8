package dev.sdfarm.core.message;

/** What happened to a job. The last three end it. */
public enum JobEventType {
    STARTED, PROGRESS, SUCCEEDED, FAILED, CANCELLED;

    public boolean terminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}

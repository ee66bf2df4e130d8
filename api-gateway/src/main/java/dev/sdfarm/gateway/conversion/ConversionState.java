package dev.sdfarm.gateway.conversion;

/** Where a conversion is: waiting for a launcher slot or its Job, converting, or ended. */
public enum ConversionState {
    QUEUED, RUNNING, SUCCEEDED, FAILED;

    public boolean ended() {
        return this == SUCCEEDED || this == FAILED;
    }
}

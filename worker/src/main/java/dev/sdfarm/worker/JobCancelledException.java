package dev.sdfarm.worker;

/**
 * Thrown from the progress callback to stop a render between steps once every job of the batch is cancelled
 * (each has been reported as such already).
 */
final class JobCancelledException extends RuntimeException {
    JobCancelledException() {
        super("cancelled", null, false, false);
    }
}

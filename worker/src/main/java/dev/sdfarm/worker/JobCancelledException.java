package dev.sdfarm.worker;

/** Thrown from the progress callback to stop a render between steps. */
final class JobCancelledException extends RuntimeException {
    final int step;

    JobCancelledException(int step) {
        super("cancelled", null, false, false);
        this.step = step;
    }
}

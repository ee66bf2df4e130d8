package dev.sdfarm.checkpoint.slim;

/** Receives progress of long operations. Implementations must be thread-safe. */
public interface Progress {
    Progress NONE = new Progress() {
        @Override
        public void start(String label, long totalBytes) {
        }

        @Override
        public void advance(long bytes) {
        }
    };

    /** A new phase begins (for a single file: hashing and converting share one total). */
    void start(String label, long totalBytes);

    void advance(long bytes);
}

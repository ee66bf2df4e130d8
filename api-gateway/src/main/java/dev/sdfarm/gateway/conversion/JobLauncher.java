package dev.sdfarm.gateway.conversion;

import java.util.List;
import java.util.UUID;

/**
 * Runs the converter for conversions and tells {@link ConversionUpdates} what happens: running, progress, the
 * result, or a failure. A launch never throws for the run's own problems; they end the conversion as FAILED.
 */
public interface JobLauncher {
    /** {@code local} or {@code kubernetes}, as the conversion view shows it. */
    String name();

    /** Starts (or queues) the converter for one conversion. */
    void launch(LaunchRequest request);

    /** Stops a conversion's converter if it runs or waits; its end is reported as usual. */
    void cancel(UUID id);

    /** At startup: what an earlier gateway left unfinished, queued ones and running ones. */
    void recover(List<LaunchRequest> queued, List<UUID> running);
}

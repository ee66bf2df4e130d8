package dev.sdfarm.gateway.conversion;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sdfarm.gateway.model.ModelRegistrar;
import dev.sdfarm.gateway.problem.ProblemException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.UUID;

/**
 * What launchers report, applied to the conversion row under a row lock. A conversion that has ended stays as
 * it ended: late or repeated reports (a resync of the Kubernetes watch, a second gateway) change nothing.
 * On success the output is registered as a model with its lineage before the row says SUCCEEDED.
 */
@ApplicationScoped
public class ConversionUpdates {
    private static final Logger LOG = Logger.getLogger(ConversionUpdates.class);
    private static final int MAX_ERROR = 2000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    ModelRegistrar registrar;

    /** The converter runs (its {@code attempt}-th run; Kubernetes retries count up); a null tail keeps the log. */
    public void running(UUID id, String k8sJob, int attempt, String logTail) {
        QuarkusTransaction.requiringNew().run(() -> {
            Conversion c = locked(id);
            if (c == null || c.state.ended()) {
                return;
            }
            boolean changed = c.state != ConversionState.RUNNING || attempt > c.attempts;
            if (c.state != ConversionState.RUNNING) {
                c.state = ConversionState.RUNNING;
                c.startedAt = Instant.now();
            }
            if (attempt > c.attempts) {
                c.attempts = attempt;
            }
            if (k8sJob != null) {
                c.k8sJob = k8sJob;
            }
            if (logTail != null) {
                c.logTail = logTail;
            }
            if (changed) {
                LOG.infof("conversion %s running (attempt %d) on %s", id, c.attempts, c.launcher);
            }
        });
    }

    /** Progress in percent and phase, and the converter's last lines. */
    public void progress(UUID id, int percent, String phase, String logTail) {
        QuarkusTransaction.requiringNew().run(() -> {
            Conversion c = locked(id);
            if (c == null || c.state.ended()) {
                return;
            }
            if (percent >= 0) {
                c.progress = percent;
                c.phase = phase;
            }
            c.logTail = logTail;
        });
    }

    /** The converter succeeded: register its output with lineage, then end the conversion as SUCCEEDED. */
    public void succeeded(UUID id, ConverterResult result, String logTail) {
        Conversion c = QuarkusTransaction.requiringNew().call(() -> Conversion.<Conversion>findById(id));
        if (c == null || c.state.ended()) {
            return;
        }
        if (!result.outputKey().equals(c.outputKey)) {
            failed(id, "the converter wrote " + result.outputKey() + ", not the requested " + c.outputKey, logTail);
            return;
        }
        ModelRegistrar.Result registered;
        try {
            registered = registrar.register(c.outputKey, null,
                    new ModelRegistrar.Lineage(result.sourceSha256(), id, result.bytesIn() - result.bytesOut()));
        } catch (ProblemException | java.io.UncheckedIOException e) {
            failed(id, "the converter succeeded but its output " + c.outputKey + " cannot be registered: "
                    + e.getMessage(), logTail);
            return;
        }
        if (!registered.model().sha256.equals(result.outputSha256())) {
            failed(id, "the output's sha256 " + registered.model().sha256 + " differs from the converter's "
                    + result.outputSha256(), logTail);
            return;
        }
        QuarkusTransaction.requiringNew().run(() -> {
            Conversion row = locked(id);
            if (row == null || row.state.ended()) {
                return;
            }
            row.state = ConversionState.SUCCEEDED;
            row.progress = 100;
            row.logTail = logTail;
            row.sourceSha256 = result.sourceSha256();
            row.outputSha256 = result.outputSha256();
            row.bytesIn = result.bytesIn();
            row.bytesOut = result.bytesOut();
            row.seconds = result.seconds();
            row.family = result.family();
            row.warnings = json(result);
            row.modelSha256 = registered.model().sha256;
            row.finishedAt = Instant.now();
            if (row.startedAt == null) {
                row.startedAt = row.finishedAt;
            }
            LOG.infof("conversion %s succeeded: %s (%d bytes) -> %s (%d bytes), model %s", id, row.sourceKey,
                    row.bytesIn, row.outputKey, row.bytesOut, registered.model().name);
        });
    }

    /** The conversion failed with {@code error} (one line: what and what to do). */
    public void failed(UUID id, String error, String logTail) {
        String e = error.length() > MAX_ERROR ? error.substring(0, MAX_ERROR - 1) + "…" : error;
        QuarkusTransaction.requiringNew().run(() -> {
            Conversion c = locked(id);
            if (c == null || c.state.ended()) {
                return;
            }
            c.state = ConversionState.FAILED;
            c.error = e;
            if (logTail != null) {
                c.logTail = logTail;
            }
            c.finishedAt = Instant.now();
            LOG.warnf("conversion %s failed: %s", id, e);
        });
    }

    private static Conversion locked(UUID id) {
        return Conversion.findById(id, LockModeType.PESSIMISTIC_WRITE);
    }

    private static String json(ConverterResult r) {
        try {
            return JSON.writeValueAsString(r.warningsOrEmpty());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

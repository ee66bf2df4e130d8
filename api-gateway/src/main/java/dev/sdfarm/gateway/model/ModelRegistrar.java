package dev.sdfarm.gateway.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.CheckpointException;
import dev.sdfarm.checkpoint.inspect.CheckpointInspector;
import dev.sdfarm.checkpoint.inspect.Inspection;
import dev.sdfarm.core.ModelTraits;
import dev.sdfarm.core.store.FileObjectStore;
import dev.sdfarm.core.store.NoSuchObjectException;
import dev.sdfarm.core.store.ObjectKeys;
import dev.sdfarm.core.store.ObjectStore;
import dev.sdfarm.gateway.job.SubmitLookups;
import dev.sdfarm.gateway.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.Locale;
import java.util.UUID;

/**
 * Registers a checkpoint that is in the store: hashes it, reads its anatomy (family, precision, EMA), and
 * records it. Reading never executes anything from the file (the checkpoint library's own parsers).
 */
@ApplicationScoped
public class ModelRegistrar {
    private static final Logger LOG = Logger.getLogger(ModelRegistrar.class);

    @Inject
    ObjectStore store;
    @Inject
    SubmitLookups lookups;

    public record Result(RegisteredModel model, boolean created) {
    }

    /**
     * Where a model made by a conversion came from: the source's sha256, the conversion, the bytes it saved
     * (negative when the output is larger). Also its JSON in the model's view.
     */
    public record Lineage(@JsonProperty("source_sha256") String sourceSha256,
                          @JsonProperty("conversion_id") UUID conversionId,
                          @JsonProperty("bytes_saved") long bytesSaved) {
    }

    public Result register(String key, String name) {
        return register(key, name, null);
    }

    /**
     * Registers {@code key} with its {@code lineage} (null for a checkpoint that was put into the store as is). A
     * converted model whose name is taken gets the first 8 hex digits of its sha256 appended instead of a 409.
     */
    public Result register(String key, String name, Lineage lineage) {
        try {
            ObjectKeys.require(key);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
        Inspection in = inspect(key);
        String modelName = name == null || name.isBlank() ? defaultName(key) : name.trim();
        return record(key, modelName, in, lineage);
    }

    @Transactional
    Result record(String key, String name, Inspection in, Lineage lineage) {
        RegisteredModel existing = RegisteredModel.findById(in.hashes().sha256());
        if (existing != null) {
            if (lineage != null && existing.sourceSha256 == null) {
                existing.setLineage(lineage);
            }
            return new Result(existing, false);
        }
        if (lineage != null && RegisteredModel.count("name", name) > 0) {
            name = name + "-" + in.hashes().sha256().substring(0, 8);
        }
        if (RegisteredModel.count("name", name) > 0) {
            throw ProblemException.conflict("another model is already called '" + name + "'; choose another name");
        }
        RegisteredModel m = new RegisteredModel();
        m.sha256 = in.hashes().sha256();
        m.autov2 = in.hashes().autoV2();
        m.name = name;
        m.storeKey = key;
        ModelTraits traits = ModelTraits.of(in);
        m.family = traits.family();
        m.precision = traits.precision();
        m.ema = traits.ema();
        m.sizeBytes = in.file().bytes();
        m.registeredAt = Instant.now();
        if (lineage != null) {
            m.setLineage(lineage);
        }
        m.persist();
        lookups.forgetModels();
        LOG.infof("model %s registered: %s (%s, %s, %s)", m.sha256, m.name, m.family, m.precision, m.ema);
        return new Result(m, true);
    }

    private Inspection inspect(String key) {
        Path tmp = null;
        try {
            Path file;
            if (store instanceof FileObjectStore fs) {
                file = fs.pathOf(key);
                if (!Files.isRegularFile(file)) {
                    throw new NoSuchObjectException(store.describe(), key);
                }
            } else {
                tmp = Files.createTempFile("sdfarm-model-", ".bin");
                store.download(key, tmp);
                file = tmp;
            }
            try (Checkpoint cp = Checkpoint.open(file)) {
                return CheckpointInspector.inspect(cp, true, null);
            }
        } catch (NoSuchObjectException e) {
            throw ProblemException.notFound(e.getMessage());
        } catch (CheckpointException e) {
            throw new ProblemException(422, "bad-checkpoint", "Not a usable checkpoint", key + ": " + e.getMessage(),
                    null, null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + key + " from " + store.describe(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a temporary file; the OS cleans its temp folder
                }
            }
        }
    }

    private static String defaultName(String key) {
        String file = key.substring(key.lastIndexOf('/') + 1);
        int dot = file.indexOf('.');
        return dot > 0 ? file.substring(0, dot) : file;
    }
}

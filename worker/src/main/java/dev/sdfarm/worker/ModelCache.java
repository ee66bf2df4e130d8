package dev.sdfarm.worker;

import java.nio.file.StandardCopyOption;
import java.nio.channels.FileChannel;
import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.io.FileHashing;
import dev.sdfarm.core.message.ModelRef;
import dev.sdfarm.core.store.ObjectStore;
import dev.sdfarm.diffusion.pipeline.StableDiffusion;
import dev.sdfarm.diffusion.tensor.Backend;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Models ready to render, least recently used first out, within a budget of file bytes. A model comes from the
 * object store by key into the local cache folder, is verified against its sha256 (a mismatch is the job's
 * error, not a retry), and its weights stay memory-mapped while resident. Used by the render thread only.
 */
public final class ModelCache implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ModelCache.class);

    /** A model in memory. */
    public record Resident(ModelRef ref, Checkpoint checkpoint, StableDiffusion model, long bytes) {
    }

    /** The model file does not match its sha256, or cannot be loaded: rendering it again will not help. */
    public static final class BadModelException extends Exception {
        public BadModelException(String message) {
            super(message);
        }
    }

    private final ObjectStore store;
    private final Backend backend;
    private final Path dir;
    private final long budget;
    private final LinkedHashMap<String, Resident> resident = new LinkedHashMap<>(16, 0.75f, true);
    private long hits;
    private long misses;
    private long evictions;

    public ModelCache(ObjectStore store, Backend backend, Path dir, long budget) throws IOException {
        this.store = store;
        this.backend = backend;
        this.dir = Files.createDirectories(dir);
        this.budget = budget;
    }

    public synchronized Resident get(ModelRef ref) throws IOException, BadModelException {
        Resident r = resident.get(ref.sha256());
        if (r != null) {
            hits++;
            return r;
        }
        misses++;
        Path file = fetch(ref);
        long bytes = Files.size(file);
        evictFor(bytes);
        Checkpoint cp = Checkpoint.open(file);
        try {
            StableDiffusion sd = StableDiffusion.load(backend, cp, ref.name(), ref.sha256());
            r = new Resident(ref, cp, sd, bytes);
        } catch (RuntimeException e) {
            cp.close();
            throw new BadModelException("model " + ref.name() + " (" + ref.sha256() + ") cannot be loaded: "
                    + e.getMessage());
        }
        resident.put(ref.sha256(), r);
        LOG.infof("model %s resident (%s, %d MB)", ref.sha256(), ref.name(), bytes >> 20);
        return r;
    }

    public synchronized List<String> residentModels() {
        return new ArrayList<>(resident.keySet());
    }

    public synchronized long residentBytes() {
        return resident.values().stream().mapToLong(Resident::bytes).sum();
    }

    public synchronized Map<String, Long> counters() {
        return Map.of("hits", hits, "misses", misses, "evictions", evictions);
    }

    private Path fetch(ModelRef ref) throws IOException, BadModelException {
        Path file = dir.resolve(ref.sha256() + ".model");
        if (Files.isRegularFile(file)) {
            return file; // verified when it was fetched
        }
        Path tmp = dir.resolve(ref.sha256() + ".download");
        store.download(ref.key(), tmp);
        String actual;
        try (FileChannel ch = FileChannel.open(tmp)) {
            actual = FileHashing.sha256Hex(ch, 0, ch.size(), n -> { });
        }
        if (!actual.equals(ref.sha256())) {
            Files.deleteIfExists(tmp);
            throw new BadModelException("model " + ref.key() + " in the store has sha256 " + actual
                    + ", but the job asked for " + ref.sha256() + "; re-register the model");
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        return file;
    }

    private void evictFor(long bytes) throws IOException {
        var it = resident.entrySet().iterator();
        long used = residentBytes();
        while (used + bytes > budget && it.hasNext()) {
            Resident r = it.next().getValue();
            it.remove();
            r.checkpoint().close();
            used -= r.bytes();
            evictions++;
            LOG.infof("model %s evicted (%d MB) to make room", r.ref().sha256(), r.bytes() >> 20);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        for (Resident r : resident.values()) {
            r.checkpoint().close();
        }
        resident.clear();
    }
}

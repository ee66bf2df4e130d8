package dev.sdfarm.diffusion;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.diffusion.tensor.Backend;
import dev.sdfarm.diffusion.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The tensors of one model component (keys under one prefix) as weights on a backend, each brought over once on
 * first use. A missing key is a {@link ModelLoadException} naming it.
 */
public final class ModelWeights {
    private final Backend backend;
    private final Checkpoint checkpoint;
    private final String prefix;
    private final String component;
    private final Map<String, Tensor> loaded = new HashMap<>();

    /**
     * @param component what the prefix holds, for error messages ("an SD1.x checkpoint with a CLIP text encoder")
     */
    public ModelWeights(Backend backend, Checkpoint checkpoint, String prefix, String component) {
        this.backend = backend;
        this.checkpoint = checkpoint;
        this.prefix = prefix;
        this.component = component;
    }

    /** The weight {@code prefix + name}. */
    public synchronized Tensor get(String name) {
        Tensor t = loaded.get(name);
        if (t == null) {
            try {
                t = backend.weight(checkpoint, stored(name));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            loaded.put(name, t);
        }
        return t;
    }

    public long[] shape(String name) {
        return stored(name).shape();
    }

    public boolean has(String name) {
        return checkpoint.tensor(prefix + name).isPresent();
    }

    private StoredTensor stored(String name) {
        return checkpoint.tensor(prefix + name).orElseThrow(() -> new ModelLoadException(checkpoint.path()
                .getFileName() + " has no tensor " + prefix + name + "; it is not " + component));
    }
}

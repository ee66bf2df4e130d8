package dev.sdfarm.checkpoint.torch;

import dev.sdfarm.checkpoint.CheckpointException;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.checkpoint.pickle.PyDict;
import dev.sdfarm.checkpoint.pickle.PyList;
import dev.sdfarm.checkpoint.pickle.PyTuple;
import dev.sdfarm.checkpoint.pickle.PyValues;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the state dict in an unpickled checkpoint, names its tensors by dotted key path and separates the
 * training extras and sdfarm metadata.
 *
 * <p>The state dict is {@code root["state_dict"]} when that is a dict (Lightning/LDM checkpoints), else the
 * root. Tensors are named by the dotted path of keys and list indexes from the state dict
 * ({@code model.diffusion_model.out.0.weight}, {@code string_to_param.*}, {@code 768.0.linear.0.weight}); tensor
 * leaves elsewhere in the graph are named by their path from the root. A container reached twice (shared or
 * cyclic) is walked once, so each tensor in it is named by the first path.
 */
final class StateDictLayout {
    static final String STATE_DICT_KEY = "state_dict";
    static final String METADATA_KEY = "sdfarm_metadata";

    private final int maxNesting;
    private final Set<Object> visited = Collections.newSetFromMap(new IdentityHashMap<>());
    private final IdentityHashMap<PyTuple, PyTuple> rewrittenTuples = new IdentityHashMap<>();
    private final List<StoredTensor> tensors = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    private StateDictLayout(int maxNesting) {
        this.maxNesting = maxNesting;
    }

    static TorchContents of(Object root, String archiveName, int maxNesting) {
        StateDictLayout layout = new StateDictLayout(maxNesting);
        PyDict rootDict = root instanceof PyDict d ? d : null;
        List<String> stateDictPath = List.of();
        Object stateDict = root;
        if (rootDict != null && rootDict.get(STATE_DICT_KEY) instanceof PyDict sd) {
            stateDictPath = List.of(STATE_DICT_KEY);
            stateDict = sd;
        }
        Map<String, String> metadata = metadata(rootDict);
        if (rootDict != null && stateDict == rootDict) {
            // The root is the state dict: its metadata entry is not part of the weights.
            layout.visited.add(rootDict);
            rootDict.replaceAll((k, v) -> METADATA_KEY.equals(k) ? v
                    : layout.walk(v, PyValues.keySegment(k), true, 1));
        } else {
            Object renamed = layout.walk(stateDict, "", true, stateDictPath.size());
            if (rootDict == null) {
                root = renamed;
            }
        }
        // Name the tensors outside the state dict (optimizer state) by their path from the root.
        root = layout.walk(root, "", false, 0);

        Map<String, Object> extras = new LinkedHashMap<>();
        if (rootDict != null && !stateDictPath.isEmpty()) {
            for (Map.Entry<Object, Object> e : rootDict.entries().entrySet()) {
                if (STATE_DICT_KEY.equals(e.getKey()) || METADATA_KEY.equals(e.getKey())) {
                    continue;
                }
                String key = PyValues.keySegment(e.getKey());
                if (extras.putIfAbsent(key, e.getValue()) != null) {
                    throw new CheckpointException("two top-level entries are both called " + key, "key " + key,
                            "Re-save the checkpoint with distinct top-level keys");
                }
            }
        }
        return new TorchContents(root, archiveName, stateDictPath, List.copyOf(layout.tensors),
                Collections.unmodifiableMap(extras), metadata);
    }

    private static Map<String, String> metadata(PyDict root) {
        if (root == null || !root.containsKey(METADATA_KEY)) {
            return Map.of();
        }
        if (!(root.get(METADATA_KEY) instanceof PyDict md)) {
            throw new CheckpointException(METADATA_KEY + " is " + PyValues.withArticle(root.get(METADATA_KEY))
                    + ", not a dict of strings", "key " + METADATA_KEY, "Remove or fix the entry");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<Object, Object> e : md.entries().entrySet()) {
            if (!(e.getKey() instanceof String k) || !(e.getValue() instanceof String v)) {
                throw new CheckpointException(METADATA_KEY + " holds " + PyValues.describe(e.getKey()) + ": "
                        + PyValues.describe(e.getValue()) + "; metadata must map strings to strings",
                        "key " + METADATA_KEY, "Remove or fix the entry");
            }
            out.put(k, v);
        }
        return Collections.unmodifiableMap(out);
    }

    private static String child(String path, String segment) {
        return path.isEmpty() ? segment : path + "." + segment;
    }

    /** Returns the value with its tensors named by path; containers are updated in place, tuples rebuilt. */
    private Object walk(Object v, String path, boolean collect, int depth) {
        if (depth > maxNesting) {
            throw new CheckpointException("the checkpoint nests containers more than " + maxNesting + " deep",
                    "key " + path, "The file is damaged or crafted; re-save it with torch.save");
        }
        switch (v) {
            case StoredTensor t -> {
                StoredTensor named = t.renamed(path);
                if (collect) {
                    if (!names.add(path)) {
                        throw new CheckpointException("two tensors are both named " + path, "key " + path,
                                "Re-save the checkpoint so that tensor keys are unique");
                    }
                    tensors.add(named);
                }
                return named;
            }
            case PyDict d -> {
                if (visited.add(d)) {
                    d.replaceAll((k, value) -> walk(value, child(path, PyValues.keySegment(k)), collect, depth + 1));
                }
                return d;
            }
            case PyList l -> {
                if (visited.add(l)) {
                    for (int i = 0; i < l.size(); i++) {
                        l.set(i, walk(l.get(i), child(path, Integer.toString(i)), collect, depth + 1));
                    }
                }
                return l;
            }
            case PyTuple t -> {
                PyTuple done = rewrittenTuples.get(t);
                if (done != null) {
                    return done;
                }
                Object[] items = new Object[t.size()];
                boolean changed = false;
                for (int i = 0; i < items.length; i++) {
                    items[i] = walk(t.get(i), child(path, Integer.toString(i)), collect, depth + 1);
                    changed |= items[i] != t.get(i);
                }
                PyTuple result = changed ? PyTuple.of(items) : t;
                rewrittenTuples.put(t, result);
                return result;
            }
            default -> {
                return v;
            }
        }
    }
}

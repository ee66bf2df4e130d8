package dev.sdfarm.checkpoint.torch;

import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.checkpoint.pickle.PyDict;
import dev.sdfarm.checkpoint.pickle.PyList;
import dev.sdfarm.checkpoint.pickle.PyTuple;
import dev.sdfarm.checkpoint.pickle.PyValues;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Queries over unpickled object graphs. Shared and cyclic containers are visited once. */
public final class TorchGraphs {
    private TorchGraphs() {
    }

    /** Every tensor leaf reachable from {@code value}, each once. */
    public static List<StoredTensor> tensorsIn(Object value) {
        List<StoredTensor> out = new ArrayList<>();
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Object> todo = new ArrayDeque<>();
        todo.push(value);
        while (!todo.isEmpty()) {
            Object v = todo.pop();
            if (v instanceof StoredTensor t) {
                if (seen.add(t)) {
                    out.add(t);
                }
            } else if (v instanceof PyDict d) {
                if (seen.add(d)) {
                    d.entries().values().forEach(todo::push);
                }
            } else if (v instanceof PyList l) {
                if (seen.add(l)) {
                    l.items().forEach(todo::push);
                }
            } else if (v instanceof PyTuple t) {
                if (seen.add(t)) {
                    t.items().forEach(todo::push);
                }
            }
        }
        return out;
    }

    /**
     * Names of the entries of a torch file that hold no tensors: top-level entries outside the state dict,
     * and entries of the state dict itself such as a textual inversion's {@code name} or a hypernetwork's
     * {@code layer_structure}. Model detection uses them.
     */
    public static List<String> nonTensorEntryNames(TorchContents contents) {
        List<String> names = new ArrayList<>(contents.extras().keySet());
        Object stateDict = contents.root();
        for (String key : contents.stateDictPath()) {
            stateDict = stateDict instanceof PyDict d ? d.get(key) : null;
        }
        if (stateDict instanceof PyDict sd) {
            for (Map.Entry<Object, Object> e : sd.entries().entrySet()) {
                if (tensorsIn(e.getValue()).isEmpty()) {
                    names.add(PyValues.keySegment(e.getKey()));
                }
            }
        }
        return names;
    }
}

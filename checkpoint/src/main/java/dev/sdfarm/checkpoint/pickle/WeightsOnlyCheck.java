package dev.sdfarm.checkpoint.pickle;

import dev.sdfarm.checkpoint.OutputTensor;
import dev.sdfarm.checkpoint.StoredTensor;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the values in an object graph that {@code torch.load(f, weights_only=True)} of PyTorch 1.13 would
 * refuse, or that {@link TorchPickler} cannot write at all, so that a converter can drop or normalize them
 * (for example turn a numpy {@code best_model_score} into a float, or drop Lightning's {@code callbacks}).
 *
 * <p>torch 1.13's weights-only loader accepts None, bool, int, str, tuples, lists, dicts, OrderedDicts (with
 * attributes), tensors and a few torch dtypes; newer torch versions also accept floats, bytes and sets.
 */
public final class WeightsOnlyCheck {
    /** A kind of value that is not loadable with torch 1.13's weights-only loader. */
    public enum Issue {
        /** A float: refused by torch 1.13's weights-only loader, accepted by torch 2. Writable. */
        FLOAT(true, "a float (torch 1.13's weights_only loader refuses floats; torch 2 accepts them)"),
        /** bytes: written via {@code _codecs.encode}, which only newer torch versions accept. Writable. */
        BYTES(true, "bytes (written via _codecs.encode, which torch 1.13's weights_only loader refuses)"),
        /** A set: written as {@code builtins.set(list)}, which only newer torch versions accept. Writable. */
        SET(true, "a set (written as builtins.set, which torch 1.13's weights_only loader refuses)"),
        /** An int of more than 255 bytes, written with LONG4, which torch 1.13's loader lacks. Writable. */
        BIG_INT(true, "an int of more than 255 bytes (torch 1.13's weights_only loader cannot read it)"),
        /** A ParameterDict: written as an OrderedDict of its parameters. Writable. */
        PARAMETER_DICT(true, "a ParameterDict (it is written as an OrderedDict of its parameters)"),
        /** A torch dtype token other than float16/32/64, int8/16/32/64 and complex, which 1.13 lacks. Writable. */
        DTYPE_TOKEN(true, "a torch dtype that torch 1.13's weights_only loader does not know"),
        /** A numpy dtype, scalar or array. Not writable. */
        NUMPY(false, "a numpy value (weights_only loaders refuse numpy; convert it to a Python value)"),
        /** A class or module token such as Lightning's ModelCheckpoint. Not writable. */
        CLASS_TOKEN(false, "a class or module reference (weights_only loaders refuse it)"),
        /** A frozenset. Not writable. */
        FROZENSET(false, "a frozenset (weights_only loaders refuse it)"),
        /** A tensor read from a file rather than an {@link OutputTensor} to write. Not writable. */
        FILE_TENSOR(false, "a tensor read from a file; map it to an OutputTensor to write it"),
        /** A tensor whose dtype has no torch storage type (fp8, unsigned ints). Not writable. */
        UNSUPPORTED_DTYPE(false, "a tensor whose dtype torch 1.13 cannot store"),
        /** A bare storage or a value of a type outside the object model. Not writable. */
        OTHER(false, "a value the pickler cannot write"),
        /** Containers nested deeper than the limit. Not writable. */
        TOO_DEEP(false, "containers nested too deeply");

        private final boolean writable;
        private final String description;

        Issue(boolean writable, String description) {
            this.writable = writable;
            this.description = description;
        }

        /** True when {@link TorchPickler} can write it if the caller tolerates it. */
        public boolean writable() {
            return writable;
        }

        public String description() {
            return description;
        }
    }

    /**
     * One offending value.
     *
     * @param path  dotted path of keys and list indexes from the root; {@code [key]} marks a dict key itself,
     *              {@code @name} an OrderedDict attribute
     * @param issue what is wrong with it
     */
    public record Finding(String path, Issue issue) {
        @Override
        public String toString() {
            return (path.isEmpty() ? "<root>" : path) + ": " + issue.description();
        }
    }

    /** torch dtypes torch 1.13's weights-only loader resolves. */
    static final Set<String> TORCH_113_DTYPES = Set.of("torch.float16", "torch.float32", "torch.float64",
            "torch.int8", "torch.int16", "torch.int32", "torch.int64", "torch.complex32", "torch.complex64",
            "torch.complex128");

    private static final int MAX_FINDINGS = 1000;
    private static final int MAX_DEPTH = 100;

    private final List<Finding> findings = new ArrayList<>();
    private final Map<Object, Boolean> visited = new IdentityHashMap<>();

    private WeightsOnlyCheck() {
    }

    /**
     * Every value in {@code graph} that torch 1.13's weights-only loader would refuse or the pickler cannot
     * write, in graph order (at most 1000). Empty means {@link TorchPickler#pickle(Object)} writes the graph
     * and torch 1.13 loads it with {@code weights_only=True}.
     */
    public static List<Finding> check(Object graph) {
        WeightsOnlyCheck c = new WeightsOnlyCheck();
        c.walk(graph, "", 0);
        return Collections.unmodifiableList(c.findings);
    }

    /** True when {@link #check} finds nothing. */
    public static boolean isWeightsOnlySafe(Object graph) {
        return check(graph).isEmpty();
    }

    private void add(String path, Issue issue) {
        if (findings.size() < MAX_FINDINGS) {
            findings.add(new Finding(path, issue));
        }
    }

    private static String child(String path, String segment) {
        return path.isEmpty() ? segment : path + "." + segment;
    }

    private void walk(Object v, String path, int depth) {
        if (findings.size() >= MAX_FINDINGS) {
            return;
        }
        if (depth > MAX_DEPTH) {
            add(path, Issue.TOO_DEEP);
            return;
        }
        switch (v) {
            case PyNone n -> {
            }
            case Boolean b -> {
            }
            case Long l -> {
            }
            case String s -> {
            }
            case BigInteger b -> {
                if (b.bitLength() + 1 > 255 * 8) {
                    add(path, Issue.BIG_INT);
                }
            }
            case Double d -> add(path, Issue.FLOAT);
            case PyBytes b -> add(path, Issue.BYTES);
            case PyTuple t -> {
                if (visited.put(t, Boolean.TRUE) == null) {
                    for (int i = 0; i < t.size(); i++) {
                        walk(t.get(i), child(path, Integer.toString(i)), depth + 1);
                    }
                }
            }
            case PyList l -> {
                if (visited.put(l, Boolean.TRUE) == null) {
                    for (int i = 0; i < l.size(); i++) {
                        walk(l.get(i), child(path, Integer.toString(i)), depth + 1);
                    }
                }
            }
            case PyDict d -> {
                if (visited.put(d, Boolean.TRUE) == null) {
                    if (d.kind() == PyDict.Kind.PARAMETER_DICT) {
                        add(path, Issue.PARAMETER_DICT);
                    }
                    for (Map.Entry<Object, Object> e : d.entries().entrySet()) {
                        String p = child(path, PyValues.keySegment(e.getKey()));
                        walk(e.getKey(), p + "[key]", depth + 1);
                        walk(e.getValue(), p, depth + 1);
                    }
                    for (Map.Entry<String, Object> e : d.attributes().entrySet()) {
                        walk(e.getValue(), child(path, "@" + e.getKey()), depth + 1);
                    }
                }
            }
            case PySet s -> {
                add(path, Issue.SET);
                if (visited.put(s, Boolean.TRUE) == null) {
                    int i = 0;
                    for (Object item : s.items()) {
                        walk(item, child(path, Integer.toString(i++)), depth + 1);
                    }
                }
            }
            case PyFrozenSet f -> add(path, Issue.FROZENSET);
            case PyGlobal g -> {
                PickleAllowList.Role role = PickleAllowList.roleOf(g).orElse(null);
                if (role == PickleAllowList.Role.TORCH_DTYPE) {
                    if (!TORCH_113_DTYPES.contains(g.qualifiedName())) {
                        add(path, Issue.DTYPE_TOKEN);
                    }
                } else if (role != PickleAllowList.Role.STORAGE_TYPE) {
                    add(path, Issue.CLASS_TOKEN);
                }
            }
            case NumpyDType d -> add(path, Issue.NUMPY);
            case NumpyScalar s -> add(path, Issue.NUMPY);
            case NumpyArray a -> add(path, Issue.NUMPY);
            case StoredTensor t -> add(path, Issue.FILE_TENSOR);
            case OutputTensor t -> {
                if (t.dtype().torchStorage().isEmpty()) {
                    add(path, Issue.UNSUPPORTED_DTYPE);
                }
            }
            case null, default -> add(path, Issue.OTHER);
        }
    }
}

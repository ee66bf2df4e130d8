package dev.sdfarm.checkpoint.slim;

import dev.sdfarm.checkpoint.ByteSink;
import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.CheckpointException;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.InMemoryTensorData;
import dev.sdfarm.checkpoint.OutputStorage;
import dev.sdfarm.checkpoint.OutputTensor;
import dev.sdfarm.checkpoint.Storage;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.checkpoint.pickle.PyDict;
import dev.sdfarm.checkpoint.pickle.PyList;
import dev.sdfarm.checkpoint.pickle.PyTuple;
import dev.sdfarm.checkpoint.pickle.PyValues;
import dev.sdfarm.checkpoint.pickle.TorchPickler;
import dev.sdfarm.checkpoint.pickle.WeightsOnlyCheck;
import dev.sdfarm.checkpoint.slim.SlimPlan.Planned;
import dev.sdfarm.checkpoint.torch.TorchArchiveWriter;
import dev.sdfarm.checkpoint.torch.TorchContents;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Writes a plan as a torch archive that {@code torch.load(f, weights_only=True)} reads.
 *
 * <p>Structure: a torch input keeps its object graph (tensors replaced, dropped entries removed, renamed keys
 * renamed); a safetensors input becomes {@code {"state_dict": OrderedDict}} for full models and a bare
 * state dict otherwise. Full models written with the {@code state_dict} wrapper also get an
 * {@code sdfarm_metadata} dict (input metadata and provenance) beside it; bare state dicts get none, since
 * loaders expect nothing but weights in them. Storage sharing survives: tensors that viewed one storage
 * still do, and each storage is written once. Training-state entries kept by the plan are written only if
 * torch's weights-only loader accepts them; the rest are left out with a note.
 */
final class TorchOutput {
    private static final String STATE_DICT = "state_dict";
    private static final String METADATA = "sdfarm_metadata";
    /** Absent from the output; distinct from Python None. */
    private static final Object REMOVED = new Object();

    private final Checkpoint cp;
    private final Map<String, OutputTensor> byName = new HashMap<>();
    private final Map<StoredTensor, OutputTensor> extraTensors = new IdentityHashMap<>();
    private final Map<String, OutputStorage> storages = new HashMap<>();
    private final List<String> notes;
    private final LongAdder extraOverflows = new LongAdder();
    private final Progress progress;

    private TorchOutput(Checkpoint cp, List<String> notes, Progress progress) {
        this.cp = cp;
        this.notes = notes;
        this.progress = progress;
    }

    /**
     * @param fullModel whether the checkpoint is a full SD model (written as {@code {"state_dict": ...}} with
     *                  metadata) rather than a single component
     * @param metadata  string metadata to store beside the state dict of full models (provenance included)
     * @param notes     receives what had to be left out (training state the weights-only loader refuses)
     */
    static void write(Checkpoint cp, boolean fullModel, SlimPlan plan, Map<String, String> metadata, ByteSink sink,
                      Map<String, LongAdder> overflows, List<String> notes, Progress progress) throws IOException {
        TorchOutput w = new TorchOutput(cp, notes, progress);
        for (Planned p : plan.tensors()) {
            w.byName.put(p.name(), w.outputOf(p, overflows.computeIfAbsent(p.name(), k -> new LongAdder())));
        }
        PyDict md = PyDict.dict();
        metadata.forEach(md::put);

        Object graph;
        if (cp.torch().isPresent()) {
            graph = w.fromTorch(cp.torch().get(), plan, md, fullModel);
        } else {
            PyDict sd = TorchArchiveWriter.stateDict(plan.tensors().stream().map(p -> w.byName.get(p.name())).toList());
            if (fullModel) {
                PyDict root = PyDict.dict();
                root.put(STATE_DICT, sd);
                root.put(METADATA, md);
                graph = root;
            } else {
                graph = sd;
            }
        }
        new TorchArchiveWriter().tolerating(TorchPickler.writableIssues()).write(graph, sink);
    }

    private OutputTensor outputOf(Planned p, LongAdder overflows) {
        if (p.generated() != null) {
            return InMemoryTensorData.tensor(p.name(), p.target(), p.shape(), p.generated());
        }
        StoredTensor s = p.source();
        OutputStorage storage = storageOf(p.from(), s.storage(), p.target(), overflows);
        return new OutputTensor(p.name(), p.shape(), storage, s.storageOffset(), s.strides());
    }

    /** One output storage per (source file, source storage, target dtype): views and tied weights stay shared. */
    private OutputStorage storageOf(Checkpoint from, Storage s, DType target, LongAdder overflows) {
        String id = (from == cp ? "in:" : "vae:") + s.key() + ":" + target.name();
        return storages.computeIfAbsent(id, k -> new OutputStorage(k, target, s.numel(),
                new CastRange(from, s, 0, s.numel(), target, overflows, progress::advance)));
    }

    private Object fromTorch(TorchContents tc, SlimPlan plan, PyDict md, boolean fullModel) {
        Map<String, String> renamed = plan.renames();
        Object root = tc.root();
        if (tc.stateDictPath().isEmpty()) {
            Object sd = rewrite(root, true, renamed, true);
            if (!fullModel || !(sd instanceof PyDict)) {
                return sd;
            }
            PyDict wrapped = PyDict.dict();
            wrapped.put(STATE_DICT, sd);
            wrapped.put(METADATA, md);
            return wrapped;
        }
        PyDict in = (PyDict) root;
        PyDict out = PyDict.dict();
        for (Map.Entry<Object, Object> e : in.entries().entrySet()) {
            Object key = e.getKey();
            if (STATE_DICT.equals(key)) {
                out.put(key, rewrite(e.getValue(), true, renamed, true));
            } else if (METADATA.equals(key)) {
                continue;
            } else if (plan.keptExtras().contains(PyValues.keySegment(key))) {
                Object v = rewrite(e.getValue(), false, Map.of(), false);
                List<WeightsOnlyCheck.Finding> findings = WeightsOnlyCheck.check(v);
                if (findings.isEmpty() && PyValues.isHashable(key)) {
                    out.put(key, v);
                } else {
                    notes.add("left out training state " + PyValues.keySegment(key) + ": it holds "
                            + findings.getFirst().issue().description());
                }
            }
        }
        out.put(METADATA, md);
        return out;
    }

    /**
     * A copy of {@code v} with tensors replaced by their outputs and dropped entries removed. Only the top
     * level of the state dict has renamed keys.
     */
    private Object rewrite(Object v, boolean stateDict, Map<String, String> renames, boolean topLevel) {
        return switch (v) {
            case StoredTensor t -> stateDict ? planned(renames.getOrDefault(t.name(), t.name())) : extraTensor(t);
            case PyDict d -> {
                PyDict out = new PyDict(d.kind() == PyDict.Kind.PARAMETER_DICT ? PyDict.Kind.ORDERED_DICT : d.kind());
                for (Map.Entry<Object, Object> e : d.entries().entrySet()) {
                    Object value = rewrite(e.getValue(), stateDict, renames, false);
                    if (value == REMOVED) {
                        continue;
                    }
                    Object key = e.getKey();
                    if (topLevel && key instanceof String s && renames.containsKey(s)) {
                        key = renames.get(s);
                    }
                    out.put(key, value);
                }
                yield out;
            }
            case PyList l -> {
                PyList out = new PyList();
                for (Object item : l.items()) {
                    Object value = rewrite(item, stateDict, renames, false);
                    if (value != REMOVED) {
                        out.add(value);
                    }
                }
                yield out;
            }
            case PyTuple t -> {
                List<Object> items = new ArrayList<>();
                for (Object item : t.items()) {
                    Object value = rewrite(item, stateDict, renames, false);
                    if (value == REMOVED) {
                        throw new CheckpointException(cp.path().toString(), "a dropped tensor sits in a tuple, "
                                + "which cannot lose an element", null, "Keep that component (--other copy)", null);
                    }
                    items.add(value);
                }
                yield PyTuple.of(items);
            }
            default -> v;
        };
    }

    /** The output tensor planned under {@code name}, or {@link #REMOVED}. */
    private Object planned(String name) {
        OutputTensor t = byName.get(name);
        return t == null ? REMOVED : t;
    }

    /** Tensors inside kept training state are copied unchanged. */
    private OutputTensor extraTensor(StoredTensor t) {
        return extraTensors.computeIfAbsent(t, k -> new OutputTensor(t.name(), t.shape(),
                storageOf(cp, t.storage(), t.dtype(), extraOverflows), t.storageOffset(), t.strides()));
    }
}

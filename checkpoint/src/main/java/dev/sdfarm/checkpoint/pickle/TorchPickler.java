package dev.sdfarm.checkpoint.pickle;

import dev.sdfarm.checkpoint.CheckpointException;
import dev.sdfarm.checkpoint.OutputStorage;
import dev.sdfarm.checkpoint.OutputTensor;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Writes an object graph as a protocol 2 pickle the way {@code torch.save} does for state dicts: tensors as
 * {@code torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())} with the storage
 * as persistent id {@code ('storage', torch.HalfStorage, '<key>', 'cpu', numel)}, OrderedDicts as
 * {@code collections.OrderedDict()} plus SETITEMS (and BUILD for attributes such as {@code _metadata}), and a
 * memo so that strings, globals, shared containers and storage references are written once.
 *
 * <p>Tensor leaves are {@link OutputTensor}s. Their storages are numbered in order of first use; tensors whose
 * storages share an {@link OutputStorage#identity()} share the storage in the archive.
 *
 * <p>By default the graph must pass {@link WeightsOnlyCheck} so that torch 1.13 loads the result with
 * {@code weights_only=True}; a caller may tolerate writable issues (floats, bytes, sets, ...) that only newer
 * torch versions accept.
 */
public final class TorchPickler {
    /**
     * A pickled graph.
     *
     * @param pickle   the pickle bytes ({@code data.pkl})
     * @param storages the storages to write, where element {@code i} is archive record {@code data/i}
     */
    public record Result(byte[] pickle, List<OutputStorage> storages) {
        public Result {
            storages = List.copyOf(storages);
        }
    }

    private static final int BATCH = 1000;
    private static final int MAX_DEPTH = 100;

    private final Buffer out = new Buffer();
    private final IdentityHashMap<Object, Integer> memoByIdentity = new IdentityHashMap<>();
    private final HashMap<String, Integer> memoStrings = new HashMap<>();
    private final HashMap<String, Integer> memoGlobals = new HashMap<>();
    private final HashMap<String, Integer> memoStorageIds = new HashMap<>();
    private final HashMap<String, Integer> storageKeys = new HashMap<>();
    private final List<OutputStorage> storages = new ArrayList<>();
    private int memoSize;

    private TorchPickler() {
    }

    /**
     * Pickles a graph that torch 1.13 can load with {@code weights_only=True}.
     *
     * @throws CheckpointException when the graph holds values {@link WeightsOnlyCheck} reports
     */
    public static Result pickle(Object graph) {
        return pickle(graph, EnumSet.noneOf(WeightsOnlyCheck.Issue.class));
    }

    /**
     * Pickles a graph, writing values with the {@code tolerated} issues anyway (only writable issues can be
     * tolerated: floats, bytes, sets, big ints, ParameterDicts, dtype tokens).
     *
     * @throws CheckpointException      when the graph holds values with other issues
     * @throws IllegalArgumentException when tensors are inconsistent with their storages
     */
    public static Result pickle(Object graph, Set<WeightsOnlyCheck.Issue> tolerated) {
        Objects.requireNonNull(graph);
        List<WeightsOnlyCheck.Finding> refused = WeightsOnlyCheck.check(graph).stream()
                .filter(f -> !f.issue().writable() || !tolerated.contains(f.issue()))
                .toList();
        if (!refused.isEmpty()) {
            String list = refused.stream().limit(5).map(WeightsOnlyCheck.Finding::toString)
                    .collect(Collectors.joining("; "));
            throw new CheckpointException("cannot write " + refused.size() + " value(s) as a weights-only torch "
                    + "pickle: " + list + (refused.size() > 5 ? "; ..." : ""), refused.get(0).path(),
                    "Drop these entries or convert them to plain values before writing");
        }
        return write(graph);
    }

    /**
     * Pickles training state as Lightning checkpoints carry it: on top of everything weights-only graphs may
     * hold, allow-listed class tokens (Lightning's {@code ModelCheckpoint}, e.g. as a dict key) and numpy
     * scalars. The result is readable by sdfarm's and AUTOMATIC1111's restricted unpicklers, not by torch's
     * weights-only loader. Used to synthesize realistic training checkpoints.
     *
     * @throws IllegalArgumentException for a token that is not on the {@link PickleAllowList}
     */
    public static Result pickleTrainingState(Object graph) {
        Objects.requireNonNull(graph);
        return write(graph);
    }

    private static Result write(Object graph) {
        TorchPickler p = new TorchPickler();
        p.out.write(Opcodes.PROTO);
        p.out.write(2);
        p.save(graph, 0);
        p.out.write(Opcodes.STOP);
        return new Result(p.out.toByteArray(), p.storages);
    }

    private void save(Object v, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("object graph nested deeper than " + MAX_DEPTH);
        }
        switch (v) {
            case PyNone n -> out.write(Opcodes.NONE);
            case Boolean b -> out.write(b ? Opcodes.NEWTRUE : Opcodes.NEWFALSE);
            case Long l -> saveInt(l);
            case BigInteger b -> saveBigInt(b);
            case Double d -> {
                out.write(Opcodes.BINFLOAT);
                long bits = Double.doubleToRawLongBits(d);
                for (int i = 7; i >= 0; i--) {
                    out.write((int) (bits >>> (8 * i)) & 0xff);
                }
            }
            case String s -> saveString(s);
            case PyBytes b -> saveBytes(b, depth);
            case PyTuple t -> saveTuple(t, depth);
            case PyList l -> saveList(l, depth);
            case PyDict d -> saveDict(d, depth);
            case PySet s -> saveSet(s, depth);
            case PyGlobal g -> {
                if (PickleAllowList.roleOf(g).isEmpty()) {
                    throw new IllegalArgumentException(g + " is not on the allow-list");
                }
                saveGlobal(g.module(), g.name());
            }
            case NumpyScalar n -> saveNumpyScalar(n, depth);
            case OutputTensor t -> saveTensor(t);
            default -> throw new IllegalArgumentException("cannot pickle " + PyValues.withArticle(v));
        }
    }

    private void saveInt(long v) {
        if (v >= 0 && v <= 0xff) {
            out.write(Opcodes.BININT1);
            out.write((int) v);
        } else if (v >= 0 && v <= 0xffff) {
            out.write(Opcodes.BININT2);
            out.writeLe(v, 2);
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            out.write(Opcodes.BININT);
            out.writeLe(v, 4);
        } else {
            saveBigInt(BigInteger.valueOf(v));
        }
    }

    private void saveBigInt(BigInteger b) {
        if (b.bitLength() < 32) {
            saveInt(b.longValue());
            return;
        }
        byte[] be = b.toByteArray();
        int n = be.length;
        if (n < 256) {
            out.write(Opcodes.LONG1);
            out.write(n);
        } else {
            out.write(Opcodes.LONG4);
            out.writeLe(n, 4);
        }
        for (int i = n - 1; i >= 0; i--) {
            out.write(be[i] & 0xff);
        }
    }

    private void saveString(String s) {
        Integer m = memoStrings.get(s);
        if (m != null) {
            get(m);
            return;
        }
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.write(Opcodes.BINUNICODE);
        out.writeLe(utf8.length, 4);
        out.write(utf8);
        memoStrings.put(s, memoize());
    }

    private void saveGlobal(String module, String name) {
        String key = module + "\n" + name;
        Integer m = memoGlobals.get(key);
        if (m != null) {
            get(m);
            return;
        }
        out.write(Opcodes.GLOBAL);
        out.write((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        memoGlobals.put(key, memoize());
    }

    private boolean getIfMemoized(Object v) {
        Integer m = memoByIdentity.get(v);
        if (m != null) {
            get(m);
            return true;
        }
        return false;
    }

    /**
     * As numpy pickles a scalar: {@code numpy.core.multiarray.scalar(dtype, bytes)}, the dtype made by
     * {@code numpy.dtype(type, False, True)} and given its byte order by BUILD.
     */
    private void saveNumpyScalar(NumpyScalar n, int depth) {
        saveGlobal("numpy.core.multiarray", "scalar");
        saveGlobal("numpy", "dtype");
        saveTuple(PyTuple.of(n.dtype().typeString(), Boolean.FALSE, Boolean.TRUE), depth + 1);
        out.write(Opcodes.REDUCE);
        String order = String.valueOf(n.dtype().byteOrder() == '=' ? '<' : n.dtype().byteOrder());
        saveTuple(PyTuple.of(3L, order, PyNone.NONE, PyNone.NONE, PyNone.NONE, -1L, -1L, 0L), depth + 1);
        out.write(Opcodes.BUILD);
        saveBytes(n.data(), depth + 1);
        out.write(Opcodes.TUPLE2);
        out.write(Opcodes.REDUCE);
    }

    /** Protocol 2 bytes: {@code _codecs.encode(latin-1 str, 'latin1')}. */
    private void saveBytes(PyBytes b, int depth) {
        if (getIfMemoized(b)) {
            return;
        }
        saveGlobal("_codecs", "encode");
        saveTuple(PyTuple.of(new String(b.array(), StandardCharsets.ISO_8859_1), "latin1"), depth + 1);
        out.write(Opcodes.REDUCE);
        memoByIdentity.put(b, memoize());
    }

    private void saveTuple(PyTuple t, int depth) {
        if (t.size() == 0) {
            out.write(Opcodes.EMPTY_TUPLE);
            return;
        }
        if (getIfMemoized(t)) {
            return;
        }
        if (t.size() <= 3) {
            for (Object item : t.items()) {
                save(item, depth + 1);
            }
            out.write(Opcodes.TUPLE1 + t.size() - 1);
        } else {
            out.write(Opcodes.MARK);
            for (Object item : t.items()) {
                save(item, depth + 1);
            }
            out.write(Opcodes.TUPLE);
        }
        memoByIdentity.put(t, memoize());
    }

    private void saveList(PyList l, int depth) {
        if (getIfMemoized(l)) {
            return;
        }
        out.write(Opcodes.EMPTY_LIST);
        // Memoized before the items, so a list that contains itself refers back to itself.
        memoByIdentity.put(l, memoize());
        List<Object> items = l.items();
        for (int start = 0; start < items.size(); start += BATCH) {
            int end = Math.min(items.size(), start + BATCH);
            if (end - start == 1) {
                save(items.get(start), depth + 1);
                out.write(Opcodes.APPEND);
            } else {
                out.write(Opcodes.MARK);
                for (int i = start; i < end; i++) {
                    save(items.get(i), depth + 1);
                }
                out.write(Opcodes.APPENDS);
            }
        }
    }

    private void saveDict(PyDict d, int depth) {
        if (getIfMemoized(d)) {
            return;
        }
        boolean ordered = d.kind() != PyDict.Kind.DICT;
        if (ordered) {
            saveGlobal("collections", "OrderedDict");
            out.write(Opcodes.EMPTY_TUPLE);
            out.write(Opcodes.REDUCE);
        } else {
            out.write(Opcodes.EMPTY_DICT);
        }
        memoByIdentity.put(d, memoize());
        saveItems(d.entries(), depth);
        if (ordered && !d.attributes().isEmpty()) {
            // OrderedDict.__reduce__ passes the instance __dict__ as state, applied by BUILD.
            out.write(Opcodes.EMPTY_DICT);
            memoize();
            saveItems(d.attributes(), depth);
            out.write(Opcodes.BUILD);
        }
    }

    private void saveItems(Map<?, Object> entries, int depth) {
        List<Map.Entry<?, Object>> list = new ArrayList<>(entries.entrySet());
        for (int start = 0; start < list.size(); start += BATCH) {
            int end = Math.min(list.size(), start + BATCH);
            if (end - start == 1) {
                save(list.get(start).getKey(), depth + 1);
                save(list.get(start).getValue(), depth + 1);
                out.write(Opcodes.SETITEM);
            } else {
                out.write(Opcodes.MARK);
                for (int i = start; i < end; i++) {
                    save(list.get(i).getKey(), depth + 1);
                    save(list.get(i).getValue(), depth + 1);
                }
                out.write(Opcodes.SETITEMS);
            }
        }
    }

    /** Protocol 2 set: {@code __builtin__.set([items])}. */
    private void saveSet(PySet s, int depth) {
        if (getIfMemoized(s)) {
            return;
        }
        saveGlobal("__builtin__", "set");
        saveTuple(PyTuple.of(new PyList(new ArrayList<>(s.items()))), depth + 1);
        out.write(Opcodes.REDUCE);
        memoByIdentity.put(s, memoize());
    }

    private void saveTensor(OutputTensor t) {
        if (getIfMemoized(t)) {
            return;
        }
        OutputStorage storage = t.storage();
        String storageType = t.dtype().torchStorage().orElseThrow(() ->
                new IllegalArgumentException(t.name() + ": torch has no storage type for " + t.dtype()));
        checkTensor(t);
        String key = storageKey(storage);
        saveGlobal("torch._utils", "_rebuild_tensor_v2");
        out.write(Opcodes.MARK);
        Integer pid = memoStorageIds.get(key);
        if (pid != null) {
            get(pid);
        } else {
            out.write(Opcodes.MARK);
            saveString("storage");
            saveGlobal("torch", storageType);
            saveString(key);
            saveString("cpu");
            saveInt(storage.numel());
            out.write(Opcodes.TUPLE);
            memoStorageIds.put(key, memoize());
        }
        out.write(Opcodes.BINPERSID);
        saveInt(t.storageOffset());
        saveTuple(longTuple(t.shape()), 1);
        saveTuple(longTuple(t.strides()), 1);
        out.write(Opcodes.NEWFALSE);
        saveGlobal("collections", "OrderedDict");
        out.write(Opcodes.EMPTY_TUPLE);
        out.write(Opcodes.REDUCE);
        memoize();
        out.write(Opcodes.TUPLE);
        memoize();
        out.write(Opcodes.REDUCE);
        memoByIdentity.put(t, memoize());
    }

    private static PyTuple longTuple(long[] values) {
        Object[] boxed = new Object[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = values[i];
        }
        return PyTuple.of(boxed);
    }

    private String storageKey(OutputStorage storage) {
        Integer index = storageKeys.get(storage.identity());
        if (index != null) {
            OutputStorage first = storages.get(index);
            if (first.dtype() != storage.dtype() || first.numel() != storage.numel()) {
                throw new IllegalArgumentException("storage " + storage.identity() + " is used as " + first.dtype()
                        + "[" + first.numel() + "] and as " + storage.dtype() + "[" + storage.numel() + "]");
            }
            return Integer.toString(index);
        }
        storageKeys.put(storage.identity(), storages.size());
        storages.add(storage);
        return Integer.toString(storages.size() - 1);
    }

    /** The view must lie inside its storage, as torch would check on load. */
    private static void checkTensor(OutputTensor t) {
        long[] shape = t.shape();
        long[] strides = t.strides();
        if (shape.length != strides.length) {
            throw new IllegalArgumentException(t.name() + ": shape " + Arrays.toString(shape) + " and strides "
                    + Arrays.toString(strides) + " differ in rank");
        }
        if (t.storageOffset() < 0 || Arrays.stream(shape).anyMatch(d -> d < 0)
                || Arrays.stream(strides).anyMatch(s -> s < 0)) {
            throw new IllegalArgumentException(t.name() + ": negative offset, size or stride");
        }
        long numel;
        long last = t.storageOffset();
        try {
            numel = t.numel();
            if (numel > 0) {
                for (int i = 0; i < shape.length; i++) {
                    last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, strides[i]));
                }
            }
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(t.name() + ": size or view extent overflows 64 bits");
        }
        if (numel > 0 ? last >= t.storage().numel() : last > t.storage().numel()) {
            throw new IllegalArgumentException(t.name() + ": view reaches element " + last + " of storage "
                    + t.storage().identity() + " with " + t.storage().numel() + " elements");
        }
    }

    private int memoize() {
        int index = memoSize++;
        if (index < 256) {
            out.write(Opcodes.BINPUT);
            out.write(index);
        } else {
            out.write(Opcodes.LONG_BINPUT);
            out.writeLe(index, 4);
        }
        return index;
    }

    private void get(int index) {
        if (index < 256) {
            out.write(Opcodes.BINGET);
            out.write(index);
        } else {
            out.write(Opcodes.LONG_BINGET);
            out.writeLe(index, 4);
        }
    }

    /** A growable byte array. */
    private static final class Buffer {
        private byte[] buf = new byte[4096];
        private int size;

        void write(int b) {
            ensure(1);
            buf[size++] = (byte) b;
        }

        void write(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, buf, size, b.length);
            size += b.length;
        }

        void writeLe(long v, int n) {
            ensure(n);
            for (int i = 0; i < n; i++) {
                buf[size++] = (byte) (v >>> (8 * i));
            }
        }

        private void ensure(int n) {
            if (buf.length - size < n) {
                long want = Math.max((long) buf.length * 2, (long) size + n);
                if (want > Integer.MAX_VALUE - 16) {
                    throw new IllegalStateException("pickle larger than 2 GB");
                }
                buf = Arrays.copyOf(buf, (int) want);
            }
        }

        byte[] toByteArray() {
            return Arrays.copyOf(buf, size);
        }
    }

    /** The issues {@link #pickle(Object, Set)} can write when tolerated. */
    public static Set<WeightsOnlyCheck.Issue> writableIssues() {
        EnumSet<WeightsOnlyCheck.Issue> s = EnumSet.noneOf(WeightsOnlyCheck.Issue.class);
        for (WeightsOnlyCheck.Issue i : WeightsOnlyCheck.Issue.values()) {
            if (i.writable()) {
                s.add(i);
            }
        }
        return Collections.unmodifiableSet(s);
    }
}

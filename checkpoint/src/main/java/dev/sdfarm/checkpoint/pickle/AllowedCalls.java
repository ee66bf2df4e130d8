package dev.sdfarm.checkpoint.pickle;

import dev.sdfarm.checkpoint.CheckpointException;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.Storage;
import dev.sdfarm.checkpoint.StoredTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The fixed, data-building meaning of each allowed global when a pickle "calls" it (REDUCE, NEWOBJ), sets
 * state on a value (BUILD) or references a storage (BINPERSID). Nothing here imports, reflects or calls
 * anything named by the file; arguments must have exactly the shapes torch and numpy write.
 */
final class AllowedCalls {
    private final RestrictedUnpickler u;
    private final StorageResolver storages;

    AllowedCalls(RestrictedUnpickler unpickler, StorageResolver storages) {
        this.u = unpickler;
        this.storages = storages;
    }

    // ---- REDUCE --------------------------------------------------------------------------------------------

    Object reduce(Object func, Object argsObject) {
        if (!(func instanceof PyGlobal g)) {
            throw u.malformed("REDUCE calls " + PyValues.withArticle(func) + "; only allowed functions can be called");
        }
        PickleAllowList.Role role = PickleAllowList.roleOf(g)
                .orElseThrow(() -> u.unsafe("REDUCE calls " + g.qualifiedName() + ", which is not allowed",
                        g.qualifiedName()));
        if (!(argsObject instanceof PyTuple args)) {
            throw u.malformed("REDUCE arguments for " + g + " are " + PyValues.withArticle(argsObject)
                    + ", not a tuple");
        }
        return switch (role) {
            case ORDERED_DICT -> orderedDict(g, args);
            case REBUILD_TENSOR_V2 -> rebuildTensor(args);
            case REBUILD_PARAMETER -> rebuildParameter(g, args, 3);
            case REBUILD_PARAMETER_WITH_STATE -> rebuildParameter(g, args, 4);
            case TORCH_SIZE -> torchSize(g, args);
            case NUMPY_SCALAR -> numpyScalar(g, args);
            case NUMPY_RECONSTRUCT -> numpyReconstruct(g, args);
            case NUMPY_DTYPE -> numpyDType(g, args);
            case CODECS_ENCODE -> codecsEncode(g, args);
            case SET -> set(g, args);
            case FROZENSET -> u.frozenSet(items(g, args));
            case BYTES -> {
                if (args.size() != 0) {
                    throw badArguments(g, args, "no arguments");
                }
                yield PyBytes.empty();
            }
            case STORAGE_TYPE, TORCH_DTYPE, PARAMETER_DICT, NUMPY_NDARRAY, INERT_CLASS, INERT_MODULE ->
                    throw u.unsafe("REDUCE calls " + g.qualifiedName() + ", which sdfarm accepts only as a value, "
                            + "never as a function", g.qualifiedName());
        };
    }

    private PyDict orderedDict(PyGlobal g, PyTuple args) {
        PyDict d = PyDict.orderedDict();
        if (args.size() == 0) {
            return d;
        }
        // Python 2 pickled OrderedDict as OrderedDict([[k, v], ...]).
        if (args.size() == 1 && args.get(0) instanceof PyList pairs) {
            for (Object pair : pairs.items()) {
                List<Object> kv = pair instanceof PyList l ? l.items() : pair instanceof PyTuple t ? t.items() : null;
                if (kv == null || kv.size() != 2) {
                    throw badArguments(g, args, "no arguments or a list of key-value pairs");
                }
                u.putAll(d, new Object[] {kv.get(0), kv.get(1)});
            }
            return d;
        }
        throw badArguments(g, args, "no arguments or a list of key-value pairs");
    }

    /**
     * {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])}:
     * a view of an archive storage, checked to lie inside it.
     */
    private StoredTensor rebuildTensor(PyTuple args) {
        String fn = "torch._utils._rebuild_tensor_v2";
        if (args.size() != 6 && args.size() != 7) {
            throw u.malformed(fn + " takes 6 or 7 arguments, got " + args.size());
        }
        if (!(args.get(0) instanceof TorchStorageRef ref)) {
            throw u.malformed(fn + " needs a storage as its first argument, got " + PyValues.withArticle(args.get(0)));
        }
        long offset = nonNegativeLong(args.get(1), fn + " storage offset");
        long[] shape = longs(args.get(2), fn + " size");
        long[] strides = longs(args.get(3), fn + " stride");
        if (shape.length != strides.length) {
            throw u.malformed(fn + " has a size of rank " + shape.length + " but a stride of rank " + strides.length);
        }
        if (!(args.get(4) instanceof Boolean)) {
            throw u.malformed(fn + " requires_grad is " + PyValues.withArticle(args.get(4)) + ", not a bool");
        }
        requireEmptyHooks(args.get(5), fn);
        if (args.size() == 7 && !(args.get(6) instanceof PyDict) && args.get(6) != PyNone.NONE) {
            throw u.malformed(fn + " metadata is " + PyValues.withArticle(args.get(6)) + ", not a dict");
        }
        Storage storage = ref.storage();
        checkView(storage, offset, shape, strides);
        return new StoredTensor("tensor@" + u.opOffset(), storage.dtype(), shape, storage, offset, strides);
    }

    private void requireEmptyHooks(Object hooks, String fn) {
        if (hooks == PyNone.NONE || (hooks instanceof PyDict d && d.isEmpty())) {
            return;
        }
        throw u.unsupported(fn + " has backward hooks (" + PyValues.describe(hooks) + "); torch.save never "
                + "stores hooks");
    }

    private void checkView(Storage storage, long offset, long[] shape, long[] strides) {
        long numel = storage.numel();
        try {
            long n = StoredTensor.numel(shape);
            if (n == 0) {
                if (offset > numel) {
                    throw viewOutside(storage, offset, shape, strides, offset);
                }
                return;
            }
            long last = offset;
            for (int i = 0; i < shape.length; i++) {
                last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, strides[i]));
            }
            if (last >= numel) {
                throw viewOutside(storage, offset, shape, strides, last);
            }
        } catch (ArithmeticException e) {
            throw u.malformed("tensor view size " + Arrays.toString(shape) + " stride " + Arrays.toString(strides)
                    + " overflows 64 bits");
        }
    }

    private CheckpointException viewOutside(Storage storage, long offset, long[] shape, long[] strides, long last) {
        return u.malformed("a tensor view (size " + Arrays.toString(shape) + ", stride " + Arrays.toString(strides)
                + ", storage offset " + offset + ") reaches element " + last + " but storage " + storage.key()
                + " has only " + storage.numel() + " elements");
    }

    /** {@code _rebuild_parameter(data, requires_grad, hooks)} and {@code ..._with_state(..., state)}. */
    private StoredTensor rebuildParameter(PyGlobal g, PyTuple args, int arity) {
        if (args.size() != arity) {
            throw u.malformed(g + " takes " + arity + " arguments, got " + args.size());
        }
        if (!(args.get(0) instanceof StoredTensor t)) {
            throw u.malformed(g + " needs a tensor as its first argument, got " + PyValues.withArticle(args.get(0)));
        }
        if (!(args.get(1) instanceof Boolean)) {
            throw u.malformed(g + " requires_grad is " + PyValues.withArticle(args.get(1)) + ", not a bool");
        }
        requireEmptyHooks(args.get(2), g.qualifiedName());
        if (arity == 4 && !isEmptyState(args.get(3))) {
            throw u.unsafe(g + " carries state (" + PyValues.describe(args.get(3)) + ") that would set attributes "
                    + "on the parameter; sdfarm reads only parameters without extra state", g.qualifiedName());
        }
        return t;
    }

    private static boolean isEmptyState(Object state) {
        return state == PyNone.NONE
                || (state instanceof PyDict d && d.isEmpty() && d.attributes().isEmpty())
                || (state instanceof PyTuple t && t.items().stream().allMatch(AllowedCalls::isEmptyState));
    }

    private PyTuple torchSize(PyGlobal g, PyTuple args) {
        if (args.size() != 1 || !(args.get(0) instanceof PyTuple dims)) {
            throw badArguments(g, args, "one tuple of ints");
        }
        for (Object d : dims.items()) {
            if (!(d instanceof Long)) {
                throw badArguments(g, args, "one tuple of ints");
            }
        }
        return dims;
    }

    private NumpyScalar numpyScalar(PyGlobal g, PyTuple args) {
        if (args.size() != 2 || !(args.get(0) instanceof NumpyDType dtype)) {
            throw badArguments(g, args, "a dtype and the value's bytes");
        }
        PyBytes data = bytesArgument(args.get(1));
        if (data == null) {
            throw u.unsupported("numpy scalar of dtype " + dtype.descr() + " holds "
                    + PyValues.withArticle(args.get(1)) + " instead of raw bytes (object scalars are not read)");
        }
        if (dtype.itemSize() > 0 && data.length() != dtype.itemSize()) {
            throw u.malformed("numpy scalar of dtype " + dtype.descr() + " has " + data.length() + " bytes, expected "
                    + dtype.itemSize());
        }
        return new NumpyScalar(dtype, data);
    }

    private NumpyArray numpyReconstruct(PyGlobal g, PyTuple args) {
        if (args.size() != 3 || !(args.get(0) instanceof PyGlobal type)
                || PickleAllowList.roleOf(type).orElse(null) != PickleAllowList.Role.NUMPY_NDARRAY
                || !(args.get(1) instanceof PyTuple)) {
            throw badArguments(g, args, "numpy.ndarray, a shape tuple and a type code");
        }
        return new NumpyArray();
    }

    private NumpyDType numpyDType(PyGlobal g, PyTuple args) {
        if (args.size() < 1 || args.size() > 3 || !(args.get(0) instanceof String type)) {
            throw badArguments(g, args, "a type string and two flags");
        }
        if (type.isEmpty() || type.length() > 16 || !type.chars().allMatch(c -> c < 128 && Character.isLetterOrDigit(c))) {
            throw u.unsupported("numpy dtype '" + RestrictedUnpickler.printable(type) + "' is not a simple dtype");
        }
        for (int i = 1; i < args.size(); i++) {
            Object flag = args.get(i);
            if (!(flag instanceof Boolean) && !(flag instanceof Long)) {
                throw badArguments(g, args, "a type string and two flags");
            }
        }
        return new NumpyDType(type);
    }

    private PyBytes codecsEncode(PyGlobal g, PyTuple args) {
        if (args.size() != 2 || !(args.get(0) instanceof String text) || !(args.get(1) instanceof String enc)) {
            throw badArguments(g, args, "a str and the encoding 'latin1'");
        }
        String e = enc.toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        if (!e.equals("latin1") && !e.equals("latin-1") && !e.equals("iso-8859-1")) {
            throw u.unsupported("_codecs.encode with encoding '" + RestrictedUnpickler.printable(enc)
                    + "'; only latin1, which pickle uses for bytes, is accepted");
        }
        byte[] b = new byte[text.length()];
        for (int i = 0; i < b.length; i++) {
            char c = text.charAt(i);
            if (c > 0xff) {
                throw u.malformed("_codecs.encode(..., 'latin1') of a str with a character beyond latin-1");
            }
            b[i] = (byte) c;
        }
        u.charge(1 + b.length / 64);
        return PyBytes.wrap(b);
    }

    private PySet set(PyGlobal g, PyTuple args) {
        PySet set = new PySet();
        for (Object item : items(g, args)) {
            u.requireHashable(item, "set item");
            set.add(item);
        }
        return set;
    }

    private List<Object> items(PyGlobal g, PyTuple args) {
        if (args.size() == 0) {
            return List.of();
        }
        if (args.size() == 1) {
            Object a = args.get(0);
            if (a instanceof PyList l) {
                return l.items();
            }
            if (a instanceof PyTuple t) {
                return t.items();
            }
            if (a instanceof PySet s) {
                return new ArrayList<>(s.items());
            }
            if (a instanceof PyFrozenSet f) {
                return new ArrayList<>(f.items());
            }
        }
        throw badArguments(g, args, "nothing or one list of items");
    }

    // ---- NEWOBJ --------------------------------------------------------------------------------------------

    Object newObject(Object cls, Object args) {
        if (!(cls instanceof PyGlobal g)) {
            throw u.malformed("NEWOBJ on " + PyValues.withArticle(cls) + ", not a class");
        }
        PickleAllowList.Role role = PickleAllowList.roleOf(g).orElse(null);
        if (role != PickleAllowList.Role.PARAMETER_DICT && role != PickleAllowList.Role.ORDERED_DICT) {
            throw u.unsafe("NEWOBJ would create a " + g.qualifiedName() + " object; only ParameterDict and "
                    + "OrderedDict may be created this way", g.qualifiedName());
        }
        if (!(args instanceof PyTuple t) || t.size() != 0) {
            throw u.malformed("NEWOBJ of " + g + " with arguments " + PyValues.describe(args) + "; expected ()");
        }
        return new PyDict(role == PickleAllowList.Role.PARAMETER_DICT ? PyDict.Kind.PARAMETER_DICT
                : PyDict.Kind.ORDERED_DICT);
    }

    // ---- BUILD ---------------------------------------------------------------------------------------------

    void build(Object target, Object state) {
        switch (target) {
            case PyDict d when d.kind() == PyDict.Kind.PARAMETER_DICT -> buildParameterDict(d, state);
            case PyDict d -> buildDictAttributes(d, state);
            case NumpyDType d -> buildNumpyDType(d, state);
            case NumpyArray a -> buildNumpyArray(a, state);
            case StoredTensor t -> {
                if (!isEmptyState(state)) {
                    throw u.unsafe("BUILD would set state " + PyValues.describe(state) + " on a tensor; sdfarm "
                            + "accepts only tensors without extra state", null);
                }
            }
            case PyGlobal g -> throw u.unsafe("BUILD would set state on " + g.qualifiedName()
                    + "; setting attributes of a class or module can run code", g.qualifiedName());
            default -> throw u.unsafe("BUILD would set state on " + PyValues.withArticle(target)
                    + "; only dicts, ParameterDicts, numpy values and tensors accept state", null);
        }
    }

    /** OrderedDict instance attributes such as {@code _metadata}: a dict, or (dict, slot state) with no slots. */
    private void buildDictAttributes(PyDict target, Object state) {
        Object attrs = state;
        if (state instanceof PyTuple t && t.size() == 2) {
            if (!isEmptyState(t.get(1))) {
                throw u.unsupported("BUILD with slot state on a dict");
            }
            attrs = t.get(0);
        }
        if (attrs == PyNone.NONE) {
            return;
        }
        if (!(attrs instanceof PyDict d)) {
            throw u.malformed("BUILD state for a dict is " + PyValues.withArticle(attrs) + ", not a dict");
        }
        for (Map.Entry<Object, Object> e : d.entries().entrySet()) {
            if (!(e.getKey() instanceof String name)) {
                throw u.malformed("BUILD state for a dict has a non-str attribute name");
            }
            u.charge(1);
            target.setAttribute(name, e.getValue());
        }
    }

    /** ParameterDict module state: its parameters are in {@code _parameters}; the rest is module bookkeeping. */
    private void buildParameterDict(PyDict target, Object state) {
        if (!(state instanceof PyDict d) || !(d.get("_parameters") instanceof PyDict params)) {
            throw u.malformed("BUILD state for a ParameterDict has no _parameters dict");
        }
        Object modules = d.get("_modules");
        if (modules instanceof PyDict m && !m.isEmpty()) {
            throw u.unsupported("a ParameterDict with submodules");
        }
        for (Map.Entry<Object, Object> e : params.entries().entrySet()) {
            Object v = e.getValue();
            if (!(v instanceof StoredTensor) && v != PyNone.NONE) {
                throw u.malformed("ParameterDict entry " + PyValues.describe(e.getKey()) + " is "
                        + PyValues.withArticle(v) + ", not a parameter");
            }
            u.putAll(target, new Object[] {e.getKey(), v});
        }
    }

    /** numpy dtype state: (version, byte order, subarray, names, fields, elsize, alignment, flags[, metadata]). */
    private void buildNumpyDType(NumpyDType dtype, Object state) {
        if (dtype.isBuilt()) {
            throw u.malformed("BUILD on a numpy dtype that already has its state");
        }
        if (!(state instanceof PyTuple t) || (t.size() != 8 && t.size() != 9) || !(t.get(0) instanceof Long)
                || !(t.get(1) instanceof String order) || order.length() != 1 || "<>|=".indexOf(order.charAt(0)) < 0
                || !(t.get(5) instanceof Long elsize)) {
            throw u.malformed("numpy dtype state " + PyValues.describe(state) + " has an unexpected shape");
        }
        if (t.get(2) != PyNone.NONE || t.get(3) != PyNone.NONE || t.get(4) != PyNone.NONE) {
            throw u.unsupported("structured or sub-array numpy dtypes are not read");
        }
        dtype.applyState(order.charAt(0), elsize > 0 && elsize <= Integer.MAX_VALUE ? (int) (long) elsize : -1);
    }

    /** ndarray state: (version, shape, dtype, is_fortran, raw bytes). */
    private void buildNumpyArray(NumpyArray array, Object state) {
        if (!(state instanceof PyTuple t) || (t.size() != 5 && t.size() != 4)) {
            throw u.malformed("numpy array state " + PyValues.describe(state) + " has an unexpected shape");
        }
        int i = t.size() == 5 ? 1 : 0;
        if (!(t.get(i + 1) instanceof NumpyDType dtype) || !(t.get(i + 2) instanceof Boolean fortran)) {
            throw u.malformed("numpy array state " + PyValues.describe(state) + " has an unexpected shape");
        }
        long[] shape = longs(t.get(i), "numpy array shape");
        PyBytes data = bytesArgument(t.get(i + 3));
        if (data == null) {
            throw u.unsupported("numpy object arrays (holding Python objects rather than raw bytes) are not read");
        }
        if (dtype.itemSize() > 0) {
            try {
                long bytes = Math.multiplyExact(StoredTensor.numel(shape), dtype.itemSize());
                if (bytes != data.length()) {
                    throw u.malformed("numpy array " + dtype.descr() + Arrays.toString(shape) + " has " + data.length()
                            + " bytes of data, expected " + bytes);
                }
            } catch (ArithmeticException e) {
                throw u.malformed("numpy array shape " + Arrays.toString(shape) + " overflows");
            }
        }
        array.applyState(dtype, shape, fortran, data);
    }

    // ---- BINPERSID -----------------------------------------------------------------------------------------

    /** {@code ('storage', torch.HalfStorage, key, location, numel)}, resolved against the archive. */
    TorchStorageRef persistentLoad(Object pid) {
        if (!(pid instanceof PyTuple t) || t.size() != 5 || !"storage".equals(t.get(0))) {
            throw u.unsafe("persistent id " + PyValues.describe(pid) + " is not a storage reference "
                    + "('storage', type, key, location, numel)", null);
        }
        if (!(t.get(1) instanceof PyGlobal type)
                || PickleAllowList.roleOf(type).orElse(null) != PickleAllowList.Role.STORAGE_TYPE) {
            throw u.malformed("storage reference names " + PyValues.describe(t.get(1)) + ", not a storage type");
        }
        if (!(t.get(2) instanceof String key) || !(t.get(3) instanceof String location)) {
            throw u.malformed("storage reference " + PyValues.describe(pid) + " needs a str key and location");
        }
        long numel = nonNegativeLong(t.get(4), "storage element count");
        DType dtype = DType.fromTorchStorage(type.name())
                .orElseThrow(() -> u.unsupported("storage type " + type + " has no sdfarm dtype"));
        Storage storage = storages.resolve(key, dtype, numel, location, u.where());
        return new TorchStorageRef(storage, location);
    }

    // ---- argument helpers ----------------------------------------------------------------------------------

    private long nonNegativeLong(Object v, String what) {
        if (!(v instanceof Long l) || l < 0) {
            throw u.malformed(what + " is " + PyValues.describe(v) + ", not a non-negative int");
        }
        return l;
    }

    private long[] longs(Object v, String what) {
        if (!(v instanceof PyTuple t)) {
            throw u.malformed(what + " is " + PyValues.withArticle(v) + ", not a tuple");
        }
        if (t.size() > u.limits().maxTensorRank()) {
            throw u.malformed(what + " has " + t.size() + " dimensions, more than " + u.limits().maxTensorRank());
        }
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = nonNegativeLong(t.get(i), what + "[" + i + "]");
        }
        return out;
    }

    /** bytes, or a latin-1 str as Python 2 pickles wrote raw data; null for anything else. */
    private static PyBytes bytesArgument(Object v) {
        if (v instanceof PyBytes b) {
            return b;
        }
        if (v instanceof String s && s.chars().allMatch(c -> c <= 0xff)) {
            return PyBytes.wrap(s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        }
        return null;
    }

    private CheckpointException badArguments(PyGlobal g, PyTuple args, String expected) {
        return u.malformed(g.qualifiedName() + " called with " + PyValues.describe(args) + "; expected " + expected);
    }
}

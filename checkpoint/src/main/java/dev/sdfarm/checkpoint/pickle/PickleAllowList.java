package dev.sdfarm.checkpoint.pickle;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The globals ({@code module.name}) a pickle may name, modelled on what AUTOMATIC1111's safe unpickler
 * accepts for Stable Diffusion checkpoints. Anything else is refused before it can matter: the unpickler
 * never imports or calls anything, it only builds data, and each entry's {@link Role} says which data.
 */
public final class PickleAllowList {
    /** What the unpickler does with an allowed global. */
    public enum Role {
        /** {@code collections.OrderedDict}: called with no arguments (or a list of pairs) to make a dict. */
        ORDERED_DICT,
        /** {@code torch._utils._rebuild_tensor_v2}: rebuilds a tensor view of a storage. */
        REBUILD_TENSOR_V2,
        /** {@code torch._utils._rebuild_parameter}: an {@code nn.Parameter}, read as its tensor. */
        REBUILD_PARAMETER,
        /** {@code torch._utils._rebuild_parameter_with_state}: accepted only when the state is empty. */
        REBUILD_PARAMETER_WITH_STATE,
        /** {@code torch.HalfStorage} and friends: names a storage's element type in a persistent id. */
        STORAGE_TYPE,
        /** {@code torch.float16} and friends: an inert dtype token. */
        TORCH_DTYPE,
        /** {@code torch.Size}: called with a tuple of ints, read as that tuple. */
        TORCH_SIZE,
        /** {@code torch.nn.modules.container.ParameterDict}: created empty, filled by its state. */
        PARAMETER_DICT,
        /** {@code numpy.core.multiarray.scalar}: a numpy scalar from dtype and bytes. */
        NUMPY_SCALAR,
        /** {@code numpy.core.multiarray._reconstruct}: an empty ndarray filled by its state. */
        NUMPY_RECONSTRUCT,
        /** {@code numpy.dtype}: a dtype from its type string, byte order set by its state. */
        NUMPY_DTYPE,
        /** {@code numpy.ndarray}: only as the type argument of {@code _reconstruct}. */
        NUMPY_NDARRAY,
        /** {@code _codecs.encode}: only to turn a latin-1 str into bytes (how protocol 2 pickles bytes). */
        CODECS_ENCODE,
        /** {@code set}: from a list of hashable items. */
        SET,
        /** {@code frozenset}: from a list of hashable items. */
        FROZENSET,
        /** {@code bytes}: only with no arguments (how protocol 2 pickles {@code b''}). */
        BYTES,
        /** A class kept as an inert token (Lightning's {@code ModelCheckpoint}, a callbacks dict key); never called. */
        INERT_CLASS,
        /** A module kept as an inert token; never called or imported. */
        INERT_MODULE
    }

    private static final Map<String, Role> ENTRIES;

    static {
        TreeMap<String, Role> m = new TreeMap<>();
        m.put("collections.OrderedDict", Role.ORDERED_DICT);
        m.put("torch._utils._rebuild_tensor_v2", Role.REBUILD_TENSOR_V2);
        m.put("torch._utils._rebuild_parameter", Role.REBUILD_PARAMETER);
        m.put("torch._utils._rebuild_parameter_with_state", Role.REBUILD_PARAMETER_WITH_STATE);
        for (String s : new String[] {"FloatStorage", "HalfStorage", "BFloat16Storage", "DoubleStorage",
                "LongStorage", "IntStorage", "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage"}) {
            m.put("torch." + s, Role.STORAGE_TYPE);
        }
        // The names torch.dtype pickles under (its canonical names).
        for (String s : new String[] {"float32", "float16", "bfloat16", "float64", "int64", "int32", "int16",
                "int8", "uint8", "bool", "complex32", "complex64", "complex128"}) {
            m.put("torch." + s, Role.TORCH_DTYPE);
        }
        m.put("torch.Size", Role.TORCH_SIZE);
        m.put("torch.nn.modules.container.ParameterDict", Role.PARAMETER_DICT);
        // numpy 1.x pickles numpy.core, numpy 2.x numpy._core.
        for (String core : new String[] {"numpy.core.multiarray", "numpy._core.multiarray"}) {
            m.put(core + ".scalar", Role.NUMPY_SCALAR);
            m.put(core + "._reconstruct", Role.NUMPY_RECONSTRUCT);
        }
        m.put("numpy.dtype", Role.NUMPY_DTYPE);
        m.put("numpy.ndarray", Role.NUMPY_NDARRAY);
        m.put("_codecs.encode", Role.CODECS_ENCODE);
        // Lightning 1.x and 2.x package names.
        for (String pkg : new String[] {"pytorch_lightning", "lightning.pytorch"}) {
            m.put(pkg + ".callbacks.model_checkpoint.ModelCheckpoint", Role.INERT_CLASS);
            m.put(pkg + ".callbacks.model_checkpoint", Role.INERT_MODULE);
        }
        // Protocol 2 spells the builtins module __builtin__ (Python 2's name); protocol 3+ builtins.
        for (String b : new String[] {"__builtin__", "builtins"}) {
            m.put(b + ".set", Role.SET);
            m.put(b + ".frozenset", Role.FROZENSET);
            m.put(b + ".bytes", Role.BYTES);
        }
        ENTRIES = Collections.unmodifiableMap(m);
    }

    private PickleAllowList() {
    }

    /** The role of {@code module.name}, or empty when the global is not allowed. */
    public static Optional<Role> roleOf(String module, String name) {
        return Optional.ofNullable(ENTRIES.get(module + "." + name));
    }

    /** The role of an allowed global token. */
    public static Optional<Role> roleOf(PyGlobal global) {
        return Optional.ofNullable(ENTRIES.get(global.qualifiedName()));
    }

    /** Every allowed global as {@code module.name}, sorted, with its role. */
    public static Map<String, Role> entries() {
        return ENTRIES;
    }
}

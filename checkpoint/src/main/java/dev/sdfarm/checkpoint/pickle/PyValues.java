package dev.sdfarm.checkpoint.pickle;

import dev.sdfarm.checkpoint.OutputTensor;
import dev.sdfarm.checkpoint.StoredTensor;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.Map;

/**
 * Helpers for the unpickled object model. Python values map to Java as follows:
 *
 * <table>
 *   <caption>Python type to Java type</caption>
 *   <tr><td>None</td><td>{@link PyNone#NONE}</td></tr>
 *   <tr><td>bool</td><td>{@link Boolean}</td></tr>
 *   <tr><td>int</td><td>{@link Long}, or {@link BigInteger} when outside the long range</td></tr>
 *   <tr><td>float</td><td>{@link Double}</td></tr>
 *   <tr><td>str</td><td>{@link String}</td></tr>
 *   <tr><td>bytes, bytearray</td><td>{@link PyBytes}</td></tr>
 *   <tr><td>tuple, torch.Size</td><td>{@link PyTuple}</td></tr>
 *   <tr><td>list</td><td>{@link PyList}</td></tr>
 *   <tr><td>dict, OrderedDict, ParameterDict</td><td>{@link PyDict}</td></tr>
 *   <tr><td>set / frozenset</td><td>{@link PySet} / {@link PyFrozenSet}</td></tr>
 *   <tr><td>allowed class or module used as a value</td><td>{@link PyGlobal}</td></tr>
 *   <tr><td>numpy dtype / scalar / ndarray</td><td>{@link NumpyDType} / {@link NumpyScalar} / {@link NumpyArray}</td></tr>
 *   <tr><td>torch.Tensor, nn.Parameter (read)</td><td>{@link StoredTensor}</td></tr>
 *   <tr><td>torch.Tensor (to write)</td><td>{@link OutputTensor}</td></tr>
 *   <tr><td>bare torch storage</td><td>{@link TorchStorageRef}</td></tr>
 * </table>
 */
public final class PyValues {
    private PyValues() {
    }

    /** The Python type name of a value, for messages. */
    public static String typeName(Object v) {
        return switch (v) {
            case null -> "null";
            case PyNone n -> "None";
            case Boolean b -> "bool";
            case Long l -> "int";
            case BigInteger b -> "int";
            case Double d -> "float";
            case String s -> "str";
            case PyBytes b -> "bytes";
            case PyTuple t -> "tuple";
            case PyList l -> "list";
            case PyDict d -> switch (d.kind()) {
                case DICT -> "dict";
                case ORDERED_DICT -> "OrderedDict";
                case PARAMETER_DICT -> "ParameterDict";
            };
            case PySet s -> "set";
            case PyFrozenSet s -> "frozenset";
            case PyGlobal g -> "global " + g.qualifiedName();
            case NumpyDType d -> "numpy.dtype";
            case NumpyScalar s -> "numpy scalar";
            case NumpyArray a -> "numpy.ndarray";
            case StoredTensor t -> "tensor";
            case OutputTensor t -> "tensor";
            case TorchStorageRef s -> "torch storage";
            default -> v.getClass().getSimpleName();
        };
    }

    /** The type name with an indefinite article, for messages: "a list", "an int", "an OrderedDict". */
    public static String withArticle(Object v) {
        String name = typeName(v);
        return ("aeiouAEIOU".indexOf(name.charAt(0)) >= 0 ? "an " : "a ") + name;
    }

    /** True when Python could use the value as a dict key or set item. */
    public static boolean isHashable(Object v) {
        return switch (v) {
            case String s -> true;
            case Long l -> true;
            case BigInteger b -> true;
            case Double d -> true;
            case Boolean b -> true;
            case PyNone n -> true;
            case PyBytes b -> true;
            case PyGlobal g -> true;
            case PyTuple t -> t.isHashable();
            case PyFrozenSet f -> true;
            case NumpyDType d -> true;
            case NumpyScalar s -> true;
            // Tensors hash by identity in Python.
            case StoredTensor t -> true;
            case OutputTensor t -> true;
            case null, default -> false;
        };
    }

    /** How many tuples/frozensets deep a hashable value nests; 0 for anything else. */
    static int nestingDepth(Object v) {
        return switch (v) {
            case PyTuple t -> t.depth();
            case PyFrozenSet f -> f.depth();
            case null, default -> 0;
        };
    }

    /**
     * Rough cost of hashing or comparing a value as a key: 1 plus one per 32 characters or bytes, summed over
     * tuple items. The unpickler charges it to its work budget so that repeated lookups of huge keys cannot
     * keep it busy for long.
     */
    static long keyWeight(Object v) {
        return switch (v) {
            case String s -> 1 + s.length() / 32;
            case PyBytes b -> 1 + b.length() / 32;
            case BigInteger b -> 1 + b.bitLength() / 256;
            case NumpyScalar s -> 2 + s.data().length() / 32;
            case PyTuple t -> t.weight();
            case PyFrozenSet f -> f.weight();
            case null, default -> 1;
        };
    }

    /** Per-process random seed, so that hash collisions cannot be prepared in a file. */
    private static final long SEED = new java.security.SecureRandom().nextLong() | 1L;

    /**
     * A seeded, content-based hash for hashable values, consistent with their {@code equals}. Used by dicts and
     * sets instead of Java's hashes, whose collisions a hostile pickle could prepare.
     */
    static int strongHash(Object v) {
        long h = switch (v) {
            case String s -> {
                long x = SEED;
                for (int i = 0; i < s.length(); i++) {
                    x = (x ^ s.charAt(i)) * 0x100000001b3L;
                }
                yield x ^ 0x5157L;
            }
            case Long l -> l ^ SEED * 3;
            case Double d -> Double.doubleToLongBits(d) ^ SEED * 5;
            case Boolean b -> b ? SEED * 7 : SEED * 11;
            case PyNone n -> SEED * 13;
            case BigInteger b -> {
                long x = SEED * 17;
                for (byte y : b.toByteArray()) {
                    x = (x ^ y) * 0x100000001b3L;
                }
                yield x;
            }
            case PyGlobal g -> strongHash(g.module()) * 31L + strongHash(g.name()) ^ SEED * 19;
            // These cache a seeded hash already.
            case PyBytes b -> b.hashCode();
            case PyTuple t -> t.hashCode();
            case PyFrozenSet f -> f.hashCode();
            case NumpyScalar s -> s.hashCode();
            case NumpyDType d -> strongHash(d.typeString()) * 31L + d.byteOrder();
            default -> System.identityHashCode(v) ^ SEED * 23;
        };
        return mix(h);
    }

    /** Seeded hash of a byte range. */
    static int strongHash(byte[] b) {
        long x = SEED * 29;
        for (byte y : b) {
            x = (x ^ y) * 0x100000001b3L;
        }
        return mix(x);
    }

    /** The MurmurHash3 64-bit finalizer, folded to 32 bits. */
    static int mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int) h ^ (int) (h >>> 32);
    }

    static long saturatedAdd(long a, long b) {
        long r = a + b;
        return r < 0 ? Long.MAX_VALUE : r;
    }

    /**
     * The path segment for a key: strings as they are, ints in decimal, other keys as a short description.
     * Used to name tensors by the dotted path of keys that leads to them.
     */
    public static String keySegment(Object key) {
        return switch (key) {
            case String s -> s;
            case Long l -> l.toString();
            case BigInteger b -> b.toString();
            case Boolean b -> b ? "True" : "False";
            case PyNone n -> "None";
            case PyGlobal g -> g.qualifiedName();
            default -> describe(key);
        };
    }

    /** A short, bounded, Python-like description of a value, safe on cyclic and deeply nested graphs. */
    public static String describe(Object v) {
        StringBuilder sb = new StringBuilder();
        describe(v, sb, 3);
        if (sb.length() > 200) {
            sb.setLength(197);
            sb.append("...");
        }
        return sb.toString();
    }

    private static void describe(Object v, StringBuilder sb, int depth) {
        if (sb.length() > 200) {
            return;
        }
        switch (v) {
            case String s -> {
                sb.append('\'');
                sb.append(s, 0, Math.min(s.length(), 80));
                sb.append(s.length() > 80 ? "...'" : "'");
            }
            case Boolean b -> sb.append(b ? "True" : "False");
            case PyTuple t -> {
                if (depth == 0) {
                    sb.append("(...)");
                    return;
                }
                sb.append('(');
                for (int i = 0; i < t.size() && sb.length() <= 200; i++) {
                    if (i > 0) {
                        sb.append(", ");
                    }
                    describe(t.get(i), sb, depth - 1);
                }
                sb.append(t.size() == 1 ? ",)" : ")");
            }
            case PyFrozenSet f -> {
                if (depth == 0) {
                    sb.append("frozenset(...)");
                    return;
                }
                sb.append("frozenset({");
                Iterator<Object> it = f.items().iterator();
                for (int i = 0; it.hasNext() && sb.length() <= 200; i++) {
                    if (i > 0) {
                        sb.append(", ");
                    }
                    describe(it.next(), sb, depth - 1);
                }
                sb.append("})");
            }
            case StoredTensor t -> sb.append("tensor(").append(t.dtype().displayName()).append(t.shapeString()).append(')');
            case OutputTensor t -> sb.append("tensor(").append(t.dtype().displayName())
                    .append(java.util.Arrays.toString(t.shape())).append(')');
            case Map<?, ?> m -> sb.append("map[").append(m.size()).append(" entries]");
            case null -> sb.append("null");
            default -> sb.append(v);
        }
    }
}

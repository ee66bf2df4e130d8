package dev.sdfarm.checkpoint.pickle;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * In-memory mutations of valid inputs for fuzz tests: byte flips, truncations, inserted opcodes and corrupted
 * length fields for pickles, and the same with preferred regions (headers, directories) for binary containers.
 * Deterministic for a seed, so a failure can be replayed from the seed and iteration.
 */
public final class PickleFuzz {
    /** Opcodes worth inserting: structure changes, memo access, calls, and globals good and bad. */
    private static final byte[][] INSERTS = {
            {'('}, {'.'}, {'0'}, {'1'}, {'2'}, {'a'}, {'e'}, {'s'}, {'u'}, {'t'}, {'R'}, {'b'}, {'Q'}, {(byte) 0x81},
            {(byte) 0x85}, {(byte) 0x86}, {(byte) 0x87}, {')'}, {']'}, {'}'}, {'N'}, {(byte) 0x88}, {(byte) 0x8f},
            {(byte) 0x90}, {(byte) 0x91}, {(byte) 0x94}, {'h', 0}, {'h', 1}, {'h', (byte) 0xff}, {'j', -1, -1, -1, 127},
            {'q', 0}, {'r', -1, -1, -1, -1}, {'K', 5}, {'J', -1, -1, -1, -1}, {(byte) 0x8a, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9},
            {(byte) 0x8b, -1, -1, -1, 127}, {'X', -1, -1, -1, 127}, {(byte) 0x8d, -1, -1, -1, -1, -1, -1, -1, 127},
            {(byte) 0x95, 0, 0, 0, 0, 0, 0, 0, 64}, {'i'}, {'o'}, {(byte) 0x92}, {(byte) 0x82, 1}, {'P'},
            "cposix\nsystem\n".getBytes(StandardCharsets.US_ASCII),
            "ccollections\nOrderedDict\n".getBytes(StandardCharsets.US_ASCII),
            "ctorch._utils\n_rebuild_tensor_v2\n".getBytes(StandardCharsets.US_ASCII),
            "ctorch\nFloatStorage\n".getBytes(StandardCharsets.US_ASCII),
            "cnumpy\ndtype\n".getBytes(StandardCharsets.US_ASCII),
            "c__builtin__\nset\n".getBytes(StandardCharsets.US_ASCII),
            "ctorch.nn.modules.container\nParameterDict\n".getBytes(StandardCharsets.US_ASCII),
    };
    private static final long[] EXTREME_LENGTHS = {0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffffL, 0x80000000L,
            0xffffffffL, Long.MAX_VALUE, -1, Long.MIN_VALUE};

    private final Random random;

    public PickleFuzz(long seed) {
        this.random = new Random(seed);
    }

    /** One to three random pickle-aware mutations of {@code pickle}. */
    public byte[] mutatePickle(byte[] pickle) {
        byte[] b = pickle;
        int n = 1 + random.nextInt(3);
        for (int i = 0; i < n; i++) {
            List<Op> ops = scan(b);
            b = switch (random.nextInt(7)) {
                case 0 -> flipBit(b);
                case 1 -> setByte(b, ops);
                case 2 -> truncate(b);
                case 3 -> insertOpcode(b, ops);
                case 4 -> corruptLength(b, ops);
                case 5 -> deleteOp(b, ops);
                default -> duplicateRange(b);
            };
        }
        return b;
    }

    /**
     * One to three random mutations of a binary container, three in four of them inside the given
     * {@code [start, end)} regions (its headers and directories, say).
     */
    public byte[] mutateBytes(byte[] data, List<int[]> hotRegions) {
        byte[] b = data;
        int n = 1 + random.nextInt(3);
        for (int i = 0; i < n; i++) {
            int at = position(b, hotRegions);
            b = switch (random.nextInt(6)) {
                case 0 -> flipBitAt(b, at);
                case 1 -> setByteAt(b, at, (byte) random.nextInt(256));
                case 2 -> writeExtreme(b, at);
                case 3 -> truncate(b);
                case 4 -> insertAt(b, at, randomBytes(1 + random.nextInt(8)));
                default -> deleteAt(b, at, 1 + random.nextInt(8));
            };
        }
        return b;
    }

    /** Building blocks for generated pickles: values, containers, calls and the globals that give them meaning. */
    private static final byte[][] PIECES = {
            "X\u0007\u0000\u0000\u0000storage".getBytes(StandardCharsets.ISO_8859_1),
            "X\u0001\u0000\u0000\u00000".getBytes(StandardCharsets.ISO_8859_1),
            "X\u0003\u0000\u0000\u0000cpu".getBytes(StandardCharsets.ISO_8859_1),
            "X\u0006\u0000\u0000\u0000latin1".getBytes(StandardCharsets.ISO_8859_1),
            "X\u0002\u0000\u0000\u0000f8".getBytes(StandardCharsets.ISO_8859_1),
            "X\u0001\u0000\u0000\u0000<".getBytes(StandardCharsets.ISO_8859_1),
            "X\u000b\u0000\u0000\u0000_parameters".getBytes(StandardCharsets.ISO_8859_1),
            "C\u0008\u0000\u0000\u0000\u0000\u0000\u0000\u00d0?".getBytes(StandardCharsets.ISO_8859_1),
            "ctorch\nHalfStorage\n".getBytes(StandardCharsets.US_ASCII),
            "ctorch\nSize\n".getBytes(StandardCharsets.US_ASCII),
            "ctorch\nfloat16\n".getBytes(StandardCharsets.US_ASCII),
            "ctorch._utils\n_rebuild_parameter\n".getBytes(StandardCharsets.US_ASCII),
            "ctorch._utils\n_rebuild_parameter_with_state\n".getBytes(StandardCharsets.US_ASCII),
            "cnumpy.core.multiarray\nscalar\n".getBytes(StandardCharsets.US_ASCII),
            "cnumpy.core.multiarray\n_reconstruct\n".getBytes(StandardCharsets.US_ASCII),
            "cnumpy\nndarray\n".getBytes(StandardCharsets.US_ASCII),
            "c_codecs\nencode\n".getBytes(StandardCharsets.US_ASCII),
            "c__builtin__\nfrozenset\n".getBytes(StandardCharsets.US_ASCII),
            "c__builtin__\nbytes\n".getBytes(StandardCharsets.US_ASCII),
            "cpytorch_lightning.callbacks.model_checkpoint\nModelCheckpoint\n".getBytes(StandardCharsets.US_ASCII),
            {'K', 0}, {'K', 2}, {'K', 4}, {'J', -1, -1, -1, -1}, {(byte) 0x89}, {'G', 63, -16, 0, 0, 0, 0, 0, 0},
            {'C', 2, 'a', 'b'}, {'U', 1, (byte) 0xe9},
    };

    /** A random sequence of opcodes and pieces between PROTO 2 and STOP: mostly invalid, all of it exploring. */
    public byte[] generatePickle(int maxPieces) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(0x80);
        out.write(2);
        int n = 1 + random.nextInt(maxPieces);
        for (int i = 0; i < n; i++) {
            byte[][] from = random.nextInt(3) == 0 ? INSERTS : PIECES;
            out.writeBytes(from[random.nextInt(from.length)]);
        }
        out.write('.');
        return out.toByteArray();
    }

    // ---- pickle-aware -----------------------------------------------------------------------------------------

    /** An opcode at {@code offset}; {@code lengthAt}/{@code lengthSize} locate its length field, if any. */
    private record Op(int offset, int end, int lengthAt, int lengthSize) {
    }

    /** Finds opcode boundaries of the (still valid) prefix of a pickle; stops at the first unknown byte. */
    private static List<Op> scan(byte[] b) {
        List<Op> ops = new ArrayList<>();
        int p = 0;
        while (p < b.length) {
            int op = b[p] & 0xff;
            int arg;
            int lengthSize = 0;
            switch (op) {
                case 'K', 'U', 'C', 'h', 'q', 0x80, 0x82, 0x8c -> {
                    arg = 1;
                    if (op == 'U' || op == 'C' || op == 0x8c) {
                        lengthSize = 1;
                    }
                }
                case 'M', 0x83 -> arg = 2;
                case 'J', 'j', 'r', 0x84 -> arg = 4;
                case 'G' -> arg = 8;
                case 'X', 'T', 'B', 0x8b -> {
                    arg = 4;
                    lengthSize = 4;
                }
                case 0x8a -> {
                    arg = 1;
                    lengthSize = 1;
                }
                case 0x8d, 0x8e, 0x96, 0x95 -> {
                    arg = 8;
                    lengthSize = 8;
                }
                case 'c', 'i' -> arg = -2;
                case 'I', 'L', 'F', 'S', 'V', 'p', 'g', 'P' -> arg = -1;
                default -> arg = Opcodes.isOpcode(op) ? 0 : -3;
            }
            if (arg == -3) {
                break;
            }
            int end = p + 1;
            if (arg >= 0) {
                long extra = 0;
                if (lengthSize > 0 && end + lengthSize <= b.length && op != 0x95) {
                    extra = readLe(b, end, lengthSize);
                }
                end += arg;
                if (extra < 0 || extra > b.length) {
                    break;
                }
                end += (int) extra;
            } else {
                int lines = -arg == 2 ? 2 : 1;
                for (int l = 0; l < lines && end <= b.length; l++) {
                    while (end < b.length && b[end] != '\n') {
                        end++;
                    }
                    end++;
                }
            }
            if (end > b.length) {
                break;
            }
            ops.add(new Op(p, end, lengthSize > 0 ? p + 1 : -1, lengthSize));
            p = end;
        }
        return ops;
    }

    private static long readLe(byte[] b, int at, int n) {
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = v << 8 | (b[at + i] & 0xff);
        }
        return v;
    }

    private byte[] setByte(byte[] b, List<Op> ops) {
        if (ops.isEmpty() || b.length == 0) {
            return flipBit(b);
        }
        // Replace an opcode byte by another opcode or any byte.
        Op op = ops.get(random.nextInt(ops.size()));
        byte v = random.nextBoolean() ? INSERTS[random.nextInt(INSERTS.length)][0] : (byte) random.nextInt(256);
        return setByteAt(b, op.offset, v);
    }

    private byte[] insertOpcode(byte[] b, List<Op> ops) {
        int at = ops.isEmpty() ? random.nextInt(b.length + 1) : ops.get(random.nextInt(ops.size())).offset;
        return insertAt(b, at, INSERTS[random.nextInt(INSERTS.length)]);
    }

    private byte[] corruptLength(byte[] b, List<Op> ops) {
        List<Op> withLength = ops.stream().filter(o -> o.lengthSize > 0).toList();
        if (withLength.isEmpty()) {
            return flipBit(b);
        }
        Op op = withLength.get(random.nextInt(withLength.size()));
        long v = random.nextInt(3) == 0 ? readLe(b, op.lengthAt, op.lengthSize) + random.nextInt(9) - 4
                : EXTREME_LENGTHS[random.nextInt(EXTREME_LENGTHS.length)];
        byte[] out = b.clone();
        for (int i = 0; i < op.lengthSize; i++) {
            out[op.lengthAt + i] = (byte) (v >>> (8 * i));
        }
        return out;
    }

    private byte[] deleteOp(byte[] b, List<Op> ops) {
        if (ops.isEmpty()) {
            return truncate(b);
        }
        Op op = ops.get(random.nextInt(ops.size()));
        return deleteAt(b, op.offset, op.end - op.offset);
    }

    private byte[] duplicateRange(byte[] b) {
        if (b.length == 0) {
            return b;
        }
        int from = random.nextInt(b.length);
        int len = Math.min(b.length - from, 1 + random.nextInt(32));
        return insertAt(b, random.nextInt(b.length + 1), Arrays.copyOfRange(b, from, from + len));
    }

    // ---- generic -----------------------------------------------------------------------------------------------

    private int position(byte[] b, List<int[]> hot) {
        if (b.length == 0) {
            return 0;
        }
        if (!hot.isEmpty() && random.nextInt(4) != 0) {
            int[] r = hot.get(random.nextInt(hot.size()));
            int start = Math.min(r[0], b.length - 1);
            int end = Math.min(Math.max(r[1], start + 1), b.length);
            return start + random.nextInt(end - start);
        }
        return random.nextInt(b.length);
    }

    private byte[] flipBit(byte[] b) {
        return b.length == 0 ? b : flipBitAt(b, random.nextInt(b.length));
    }

    private byte[] flipBitAt(byte[] b, int at) {
        if (b.length == 0) {
            return b;
        }
        byte[] out = b.clone();
        out[Math.min(at, b.length - 1)] ^= (byte) (1 << random.nextInt(8));
        return out;
    }

    private static byte[] setByteAt(byte[] b, int at, byte v) {
        if (b.length == 0) {
            return b;
        }
        byte[] out = b.clone();
        out[Math.min(at, b.length - 1)] = v;
        return out;
    }

    private byte[] writeExtreme(byte[] b, int at) {
        int width = new int[] {2, 4, 8}[random.nextInt(3)];
        long v = EXTREME_LENGTHS[random.nextInt(EXTREME_LENGTHS.length)];
        byte[] out = b.clone();
        for (int i = 0; i < width && at + i < out.length; i++) {
            out[at + i] = (byte) (v >>> (8 * i));
        }
        return out;
    }

    private byte[] truncate(byte[] b) {
        return b.length == 0 ? b : Arrays.copyOf(b, random.nextInt(b.length));
    }

    private static byte[] insertAt(byte[] b, int at, byte[] bytes) {
        at = Math.min(at, b.length);
        byte[] out = new byte[b.length + bytes.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(bytes, 0, out, at, bytes.length);
        System.arraycopy(b, at, out, at + bytes.length, b.length - at);
        return out;
    }

    private static byte[] deleteAt(byte[] b, int at, int n) {
        at = Math.min(at, b.length);
        n = Math.min(n, b.length - at);
        byte[] out = new byte[b.length - n];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(b, at + n, out, at, b.length - at - n);
        return out;
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}

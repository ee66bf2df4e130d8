package dev.sdfarm.checkpoint.pickle;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Assembles pickles opcode by opcode, for tests that need exact (and malformed) byte sequences. */
public final class PickleBuilder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public static PickleBuilder proto2() {
        return new PickleBuilder().op(0x80).raw(2);
    }

    public PickleBuilder op(int opcode) {
        out.write(opcode);
        return this;
    }

    public PickleBuilder raw(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    public PickleBuilder raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    public PickleBuilder le(long v, int n) {
        for (int i = 0; i < n; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    public PickleBuilder text(String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    public PickleBuilder global(String module, String name) {
        return op('c').text(module + "\n" + name + "\n");
    }

    public PickleBuilder str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return op('X').le(b.length, 4).raw(b);
    }

    public PickleBuilder int1(int v) {
        return op('K').raw(v);
    }

    public PickleBuilder binint(int v) {
        return op('J').le(v, 4);
    }

    public PickleBuilder mark() {
        return op('(');
    }

    public PickleBuilder tuple() {
        return op('t');
    }

    public PickleBuilder emptyTuple() {
        return op(')');
    }

    public PickleBuilder reduce() {
        return op('R');
    }

    public PickleBuilder put(int i) {
        return op('q').raw(i);
    }

    public PickleBuilder get(int i) {
        return op('h').raw(i);
    }

    public PickleBuilder stop() {
        return op('.');
    }

    /** {@code ('storage', torch.<type>, key, 'cpu', numel)} followed by BINPERSID. */
    public PickleBuilder storage(String type, String key, int numel) {
        return mark().str("storage").global("torch", type).str(key).str("cpu").binint(numel).tuple().op('Q');
    }

    /** A full {@code _rebuild_tensor_v2} call for a contiguous 1-d view. */
    public PickleBuilder tensor1d(String type, String key, int storageNumel, int offset, int size) {
        return global("torch._utils", "_rebuild_tensor_v2").mark()
                .storage(type, key, storageNumel)
                .binint(offset).binint(size).op(0x85).binint(1).op(0x85)
                .op(0x89).global("collections", "OrderedDict").emptyTuple().reduce()
                .tuple().reduce();
    }

    public byte[] bytes() {
        return out.toByteArray();
    }
}

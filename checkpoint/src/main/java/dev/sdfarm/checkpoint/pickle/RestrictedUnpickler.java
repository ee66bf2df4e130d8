package dev.sdfarm.checkpoint.pickle;

import dev.sdfarm.checkpoint.CheckpointException;
import dev.sdfarm.checkpoint.UnsafeCheckpointException;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Reads a pickle into the data-only object model of this package without executing anything.
 *
 * <p>Supports the opcodes of protocols 0 to 5 that describe data. Globals resolve only through
 * {@link PickleAllowList}, and even allowed globals are never imported or called: each one has a fixed,
 * data-building meaning (a tensor view of an archive storage, an ordered dict, a numpy scalar, ...) that is
 * applied only to arguments of the expected shape. Opcodes that create arbitrary objects (INST, OBJ, EXT*,
 * NEWOBJ_EX, text PERSID) are refused.
 *
 * <p>Every failure is a {@link CheckpointException} ({@link UnsafeCheckpointException} when the pickle asked
 * for something that could run code) naming the pickle byte offset and opcode. Lengths are checked against the
 * remaining input before allocation, and {@link PickleLimits} bound stack, memo, nesting and total work.
 */
public final class RestrictedUnpickler {
    static final String FIX_CORRUPT =
            "The file is damaged or was not written by torch.save; download it again or re-save it with torch";
    private static final String FIX_UNSUPPORTED =
            "Re-save the checkpoint with torch.save(model.state_dict(), path) or convert it to .safetensors";
    private static final Pattern DECIMAL = Pattern.compile("[+-]?[0-9]+");
    private static final Pattern FLOAT_TEXT =
            Pattern.compile("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?");

    private final PickleInput in;
    private final PickleLimits limits;
    private final String source;
    private final AllowedCalls calls;
    private final HashMap<Long, Object> memo = new HashMap<>();
    private Object[] stack = new Object[64];
    private int sp;
    private int[] marks = new int[16];
    private int markCount;
    private long work;
    private int opOffset;
    private int opcode;

    private RestrictedUnpickler(byte[] data, int offset, int length, StorageResolver storages, PickleLimits limits,
                                String source) {
        this.in = new PickleInput(data, offset, length);
        this.limits = limits;
        this.source = source;
        this.calls = new AllowedCalls(this, storages);
    }

    /**
     * Unpickles {@code pickle} with default limits.
     *
     * @throws CheckpointException       when the pickle is malformed, truncated, too large or unsupported
     * @throws UnsafeCheckpointException when it names a global outside the allow-list or an unsafe opcode
     */
    public static Object load(byte[] pickle, StorageResolver storages) {
        return load(pickle, storages, PickleLimits.DEFAULT, "pickle");
    }

    /**
     * Unpickles {@code pickle}.
     *
     * @param storages resolves storage persistent ids to archive storages
     * @param limits   resource bounds
     * @param source   what the bytes are, for error locations (e.g. {@code archive/data.pkl})
     * @return the root object (see {@link PyValues} for the object model)
     */
    public static Object load(byte[] pickle, StorageResolver storages, PickleLimits limits, String source) {
        Objects.requireNonNull(storages);
        Objects.requireNonNull(limits);
        RestrictedUnpickler u = new RestrictedUnpickler(pickle, 0, pickle.length, storages, limits,
                Objects.requireNonNull(source));
        try {
            return u.run();
        } catch (CheckpointException e) {
            throw e;
        } catch (RuntimeException e) {
            // Every input is meant to be handled by an explicit check; this is a safety net so that a parser bug
            // still surfaces as a refusal of the file rather than an unexplained crash.
            throw new CheckpointException(null, "internal error while reading the pickle: " + e, u.where(),
                    "This is a bug in sdfarm; please report it with the file if you can share it", e);
        }
    }

    private Object run() {
        if (in.remaining() == 0) {
            throw malformed("the pickle is empty");
        }
        while (true) {
            opOffset = in.position();
            if (in.atEnd()) {
                opcode = -1;
                throw malformed("the pickle ends without a STOP opcode; it is truncated");
            }
            try {
                opcode = in.u8();
                if (opcode == Opcodes.STOP) {
                    return stop();
                }
                step(opcode);
            } catch (PickleInput.Truncated e) {
                throw malformed("the pickle ends inside the " + Opcodes.name(opcode) + " opcode; it is truncated");
            }
        }
    }

    private Object stop() {
        if (markCount != 0) {
            throw malformed("STOP while a MARK is still open");
        }
        if (sp != 1) {
            throw malformed("STOP with " + sp + " values on the stack instead of 1");
        }
        if (!in.atEnd()) {
            throw malformed(in.remaining() + " bytes of trailing data after STOP");
        }
        return stack[0];
    }

    private void step(int op) throws PickleInput.Truncated {
        switch (op) {
            case Opcodes.PROTO -> {
                int v = in.u8();
                if (v > 5) {
                    throw unsupported("pickle protocol " + v + " is newer than protocol 5");
                }
            }
            case Opcodes.FRAME -> {
                long n = in.s64();
                if (n < 0 || n > in.remaining()) {
                    throw malformed("frame length " + n + " exceeds the " + in.remaining() + " bytes left");
                }
            }
            case Opcodes.MARK -> pushMark();
            case Opcodes.POP -> {
                if (sp > frameBase()) {
                    pop();
                } else {
                    popMark();
                }
            }
            case Opcodes.POP_MARK -> popMark();
            case Opcodes.DUP -> push(peek());
            case Opcodes.NONE -> push(PyNone.NONE);
            case Opcodes.NEWTRUE -> push(Boolean.TRUE);
            case Opcodes.NEWFALSE -> push(Boolean.FALSE);
            case Opcodes.INT -> push(parseTextInt(textLine(limits.maxIntDigits() + 2), false));
            case Opcodes.LONG -> push(parseTextInt(textLine(limits.maxIntDigits() + 3), true));
            case Opcodes.BININT -> push((long) in.s32());
            case Opcodes.BININT1 -> push((long) in.u8());
            case Opcodes.BININT2 -> push((long) in.u16());
            case Opcodes.LONG1 -> push(decodeLong(in.bytes(in.u8())));
            case Opcodes.LONG4 -> {
                int n = in.s32();
                if (n < 0) {
                    throw malformed("negative LONG4 length " + n);
                }
                if (n > limits.maxIntDigits() / 2) {
                    throw tooLarge("an integer of " + n + " bytes");
                }
                push(decodeLong(in.bytes(n)));
            }
            case Opcodes.FLOAT -> push(parseTextFloat(textLine(256)));
            case Opcodes.BINFLOAT -> push(in.f64be());
            case Opcodes.STRING -> push(legacyString(unquote(textLine(Integer.MAX_VALUE))));
            case Opcodes.BINSTRING -> {
                int n = in.s32();
                if (n < 0) {
                    throw malformed("negative BINSTRING length " + n);
                }
                push(legacyString(in.bytes(n)));
            }
            case Opcodes.SHORT_BINSTRING -> push(legacyString(in.bytes(in.u8())));
            case Opcodes.UNICODE -> push(rawUnicodeEscape(textLine(Integer.MAX_VALUE)));
            case Opcodes.BINUNICODE -> push(utf8(in.u32()));
            case Opcodes.SHORT_BINUNICODE -> push(utf8(in.u8()));
            case Opcodes.BINUNICODE8 -> push(utf8(length8()));
            case Opcodes.BINBYTES -> push(PyBytes.wrap(in.bytes(in.u32())));
            case Opcodes.SHORT_BINBYTES -> push(PyBytes.wrap(in.bytes(in.u8())));
            case Opcodes.BINBYTES8, Opcodes.BYTEARRAY8 -> push(PyBytes.wrap(in.bytes(length8())));
            case Opcodes.EMPTY_TUPLE -> push(PyTuple.empty());
            case Opcodes.TUPLE -> push(tuple(popMark()));
            case Opcodes.TUPLE1 -> {
                Object a = pop();
                push(tuple(new Object[] {a}));
            }
            case Opcodes.TUPLE2 -> {
                Object b = pop();
                Object a = pop();
                push(tuple(new Object[] {a, b}));
            }
            case Opcodes.TUPLE3 -> {
                Object c = pop();
                Object b = pop();
                Object a = pop();
                push(tuple(new Object[] {a, b, c}));
            }
            case Opcodes.EMPTY_LIST -> push(new PyList());
            case Opcodes.LIST -> {
                PyList list = new PyList();
                appendAll(list, popMark());
                push(list);
            }
            case Opcodes.APPEND -> {
                Object item = pop();
                appendAll(targetList(), new Object[] {item});
            }
            case Opcodes.APPENDS -> {
                Object[] items = popMark();
                appendAll(targetList(), items);
            }
            case Opcodes.EMPTY_DICT -> push(PyDict.dict());
            case Opcodes.DICT -> {
                PyDict d = PyDict.dict();
                putAll(d, popMark());
                push(d);
            }
            case Opcodes.SETITEM -> {
                Object value = pop();
                Object key = pop();
                putAll(targetDict(), new Object[] {key, value});
            }
            case Opcodes.SETITEMS -> {
                Object[] items = popMark();
                putAll(targetDict(), items);
            }
            case Opcodes.EMPTY_SET -> push(new PySet());
            case Opcodes.ADDITEMS -> {
                Object[] items = popMark();
                Object target = peek();
                if (!(target instanceof PySet set)) {
                    throw malformed("ADDITEMS on " + PyValues.withArticle(target) + ", not a set");
                }
                for (Object item : items) {
                    requireHashable(item, "set item");
                    set.add(item);
                }
            }
            case Opcodes.FROZENSET -> {
                Object[] items = popMark();
                push(frozenSet(Arrays.asList(items)));
            }
            case Opcodes.PUT -> memoPut(parseMemoIndex(textLine(24)));
            case Opcodes.BINPUT -> memoPut(in.u8());
            case Opcodes.LONG_BINPUT -> memoPut(in.u32());
            case Opcodes.MEMOIZE -> memoPut(memo.size());
            case Opcodes.GET -> memoGet(parseMemoIndex(textLine(24)));
            case Opcodes.BINGET -> memoGet(in.u8());
            case Opcodes.LONG_BINGET -> memoGet(in.u32());
            case Opcodes.GLOBAL -> {
                String module = globalPart(textLine(1024));
                String name = globalPart(textLine(1024));
                push(resolveGlobal(module, name));
            }
            case Opcodes.STACK_GLOBAL -> {
                Object name = pop();
                Object module = pop();
                if (!(module instanceof String m) || !(name instanceof String n)) {
                    throw malformed("STACK_GLOBAL needs two strings, got " + PyValues.typeName(module) + " and "
                            + PyValues.typeName(name));
                }
                push(resolveGlobal(m, n));
            }
            case Opcodes.REDUCE -> {
                Object args = pop();
                Object func = peek();
                Object result = calls.reduce(func, args);
                charge(1);
                stack[sp - 1] = result;
            }
            case Opcodes.NEWOBJ -> {
                Object args = pop();
                Object cls = pop();
                push(calls.newObject(cls, args));
            }
            case Opcodes.BUILD -> {
                Object state = pop();
                calls.build(peek(), state);
            }
            case Opcodes.BINPERSID -> push(calls.persistentLoad(pop()));
            case Opcodes.INST -> {
                String module = globalPart(textLine(1024));
                String name = globalPart(textLine(1024));
                throw unsafe("the INST opcode would create an instance of " + module + "." + name
                        + " by calling it", module + "." + name);
            }
            case Opcodes.OBJ -> {
                // The opcode itself is refused, whatever class it names (a forbidden one was refused already).
                Object cls = markCount > 0 && sp > frameBase() ? stack[frameBase()] : null;
                throw unsafe("the OBJ opcode would create an instance of "
                        + (cls instanceof PyGlobal g ? g.qualifiedName() : "a class") + " by calling it", null);
            }
            case Opcodes.EXT1, Opcodes.EXT2, Opcodes.EXT4 ->
                    throw unsafe("the " + Opcodes.name(op) + " opcode would import a global from the copyreg "
                            + "extension registry", null);
            case Opcodes.NEWOBJ_EX -> throw unsafe("the NEWOBJ_EX opcode would create an object with keyword "
                    + "arguments, which torch.save never writes", null);
            case Opcodes.PERSID -> throw unsafe("the text PERSID opcode references an external object, which "
                    + "torch.save never writes", null);
            case Opcodes.NEXT_BUFFER, Opcodes.READONLY_BUFFER ->
                    throw unsupported("out-of-band buffers (" + Opcodes.name(op) + ") are not supported");
            default -> throw malformed(String.format("byte 0x%02x is not a pickle opcode", op));
        }
    }

    // ---- stack, marks, memo --------------------------------------------------------------------------------

    private int frameBase() {
        return markCount == 0 ? 0 : marks[markCount - 1];
    }

    void push(Object o) {
        if (sp >= limits.maxStack()) {
            throw tooLarge("more than " + limits.maxStack() + " values on the stack");
        }
        if (sp == stack.length) {
            stack = Arrays.copyOf(stack, Math.min(limits.maxStack(), stack.length * 2));
        }
        charge(1);
        stack[sp++] = o;
    }

    private Object pop() {
        if (sp <= frameBase()) {
            throw malformed(Opcodes.name(opcode) + " needs a value but the stack is empty"
                    + (markCount > 0 ? " above the last MARK" : ""));
        }
        Object o = stack[--sp];
        stack[sp] = null;
        return o;
    }

    private Object peek() {
        if (sp <= frameBase()) {
            throw malformed(Opcodes.name(opcode) + " needs a value but the stack is empty"
                    + (markCount > 0 ? " above the last MARK" : ""));
        }
        return stack[sp - 1];
    }

    private void pushMark() {
        if (markCount >= limits.maxMarkDepth()) {
            throw tooLarge("more than " + limits.maxMarkDepth() + " nested MARKs");
        }
        if (markCount == marks.length) {
            marks = Arrays.copyOf(marks, marks.length * 2);
        }
        charge(1);
        marks[markCount++] = sp;
    }

    private Object[] popMark() {
        if (markCount == 0) {
            throw malformed(Opcodes.name(opcode) + " without a preceding MARK");
        }
        int base = marks[--markCount];
        Object[] items = Arrays.copyOfRange(stack, base, sp);
        Arrays.fill(stack, base, sp, null);
        sp = base;
        return items;
    }

    private void memoPut(long index) {
        Object top = peek();
        if (memo.size() >= limits.maxMemo() && !memo.containsKey(index)) {
            throw tooLarge("more than " + limits.maxMemo() + " memo entries");
        }
        charge(1);
        memo.put(index, top);
    }

    private void memoGet(long index) {
        Object v = memo.get(index);
        if (v == null) {
            throw malformed("memo entry " + index + " is read before it was stored");
        }
        push(v);
    }

    private long parseMemoIndex(byte[] line) {
        String s = new String(line, StandardCharsets.ISO_8859_1).trim();
        // Memo indexes are small counters; 18 digits always fit a long.
        if (!DECIMAL.matcher(s).matches() || s.length() > 18 || s.startsWith("-")) {
            throw malformed("bad memo index '" + printable(s) + "'");
        }
        return Long.parseLong(s.startsWith("+") ? s.substring(1) : s);
    }

    // ---- containers --------------------------------------------------------------------------------------

    private PyTuple tuple(Object[] items) {
        charge(items.length);
        PyTuple t = PyTuple.of(items);
        if (t.depth() > limits.maxNesting()) {
            throw tooLarge("tuples nested more than " + limits.maxNesting() + " deep");
        }
        return t;
    }

    PyFrozenSet frozenSet(Iterable<?> items) {
        for (Object item : items) {
            requireHashable(item, "frozenset item");
        }
        PyFrozenSet f = PyFrozenSet.of(items);
        if (f.depth() > limits.maxNesting()) {
            throw tooLarge("frozensets nested more than " + limits.maxNesting() + " deep");
        }
        return f;
    }

    private PyList targetList() {
        Object target = peek();
        if (!(target instanceof PyList list)) {
            throw malformed(Opcodes.name(opcode) + " on " + PyValues.withArticle(target) + ", not a list");
        }
        return list;
    }

    private PyDict targetDict() {
        Object target = peek();
        if (!(target instanceof PyDict d)) {
            throw malformed(Opcodes.name(opcode) + " on " + PyValues.withArticle(target) + ", not a dict");
        }
        return d;
    }

    void appendAll(PyList list, Object[] items) {
        charge(items.length);
        for (Object item : items) {
            list.add(item);
        }
    }

    void putAll(PyDict d, Object[] keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw malformed(Opcodes.name(opcode) + " with an odd number of items (" + keysAndValues.length
                    + "): a key without a value");
        }
        for (int i = 0; i < keysAndValues.length; i += 2) {
            Object key = keysAndValues[i];
            requireHashable(key, "dict key");
            charge(1 + PyValues.keyWeight(key));
            d.put(key, keysAndValues[i + 1]);
        }
    }

    void requireHashable(Object key, String what) {
        if (!PyValues.isHashable(key)) {
            throw malformed(PyValues.withArticle(key) + " cannot be a " + what + " (it is unhashable)");
        }
        charge(PyValues.keyWeight(key));
    }

    // ---- globals -------------------------------------------------------------------------------------------

    private String globalPart(byte[] line) {
        String s = PickleInput.decodeUtf8(line, 0, line.length);
        if (s == null || s.isEmpty()) {
            throw malformed("a global's module or name is empty or not UTF-8");
        }
        return s;
    }

    private PyGlobal resolveGlobal(String module, String name) {
        String qualified = module + "." + name;
        if (PickleAllowList.roleOf(module, name).isEmpty()) {
            throw unsafe("the pickle imports " + printable(qualified) + ", which is not on sdfarm's allow-list "
                    + "of data-only globals (loading it with torch could run code)", qualified);
        }
        return new PyGlobal(module, name);
    }

    // ---- scalars -------------------------------------------------------------------------------------------

    private byte[] textLine(int max) throws PickleInput.Truncated {
        byte[] line = in.line(max);
        if (line == null) {
            throw tooLarge("a text " + Opcodes.name(opcode) + " argument longer than " + max + " bytes");
        }
        return line;
    }

    private long length8() throws PickleInput.Truncated {
        long n = in.s64();
        if (n < 0) {
            throw malformed("negative " + Opcodes.name(opcode) + " length " + n);
        }
        if (n > in.remaining()) {
            throw malformed(Opcodes.name(opcode) + " length " + n + " exceeds the " + in.remaining()
                    + " bytes left; the pickle is truncated or corrupt");
        }
        return n;
    }

    private String utf8(long n) throws PickleInput.Truncated {
        if (n > in.remaining()) {
            throw malformed(Opcodes.name(opcode) + " length " + n + " exceeds the " + in.remaining()
                    + " bytes left; the pickle is truncated or corrupt");
        }
        String s = in.utf8(n);
        if (s == null) {
            throw malformed("a string that is not valid UTF-8");
        }
        return s;
    }

    /** Python 2 str: UTF-8 when it is valid UTF-8, else latin-1 (what numpy suggests for Python 2 pickles). */
    private static String legacyString(byte[] b) {
        String s = PickleInput.decodeUtf8(b, 0, b.length);
        return s != null ? s : new String(b, StandardCharsets.ISO_8859_1);
    }

    private Object parseTextInt(byte[] line, boolean longForm) {
        String s = new String(line, StandardCharsets.ISO_8859_1);
        if (!longForm) {
            if (s.equals("00")) {
                return Boolean.FALSE;
            }
            if (s.equals("01")) {
                return Boolean.TRUE;
            }
        } else if (s.endsWith("L")) {
            s = s.substring(0, s.length() - 1);
        }
        if (!DECIMAL.matcher(s).matches()) {
            throw malformed("'" + printable(s) + "' is not an integer");
        }
        if (s.length() > limits.maxIntDigits()) {
            throw tooLarge("an integer of " + s.length() + " digits");
        }
        return normalize(new BigInteger(s.startsWith("+") ? s.substring(1) : s));
    }

    private Double parseTextFloat(byte[] line) {
        String s = new String(line, StandardCharsets.ISO_8859_1).trim();
        String lower = s.toLowerCase(java.util.Locale.ROOT);
        switch (lower) {
            case "inf", "+inf", "infinity", "+infinity" -> {
                return Double.POSITIVE_INFINITY;
            }
            case "-inf", "-infinity" -> {
                return Double.NEGATIVE_INFINITY;
            }
            case "nan", "+nan", "-nan" -> {
                return Double.NaN;
            }
            default -> {
            }
        }
        if (!FLOAT_TEXT.matcher(s).matches()) {
            throw malformed("'" + printable(s) + "' is not a float");
        }
        return Double.parseDouble(s);
    }

    /** Decodes a little-endian two's-complement integer (LONG1/LONG4). */
    static Object decodeLong(byte[] le) {
        if (le.length == 0) {
            return 0L;
        }
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) {
            be[i] = le[le.length - 1 - i];
        }
        return normalize(new BigInteger(be));
    }

    /** Ints are Long when they fit, BigInteger otherwise, so equal ints are equal Java objects. */
    static Object normalize(BigInteger b) {
        return b.bitLength() < 64 ? (Object) b.longValue() : b;
    }

    /** Undoes Python's repr() quoting of a protocol 0 STRING argument. */
    private byte[] unquote(byte[] line) {
        int n = line.length;
        if (n < 2 || (line[0] != '\'' && line[0] != '"') || line[n - 1] != line[0]) {
            throw malformed("a STRING argument that is not quoted");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(n);
        for (int i = 1; i < n - 1; i++) {
            int c = line[i] & 0xff;
            if (c != '\\') {
                out.write(c);
                continue;
            }
            if (i + 1 >= n - 1) {
                throw malformed("a STRING argument ends in a lone backslash");
            }
            int e = line[++i] & 0xff;
            switch (e) {
                case '\\', '\'', '"' -> out.write(e);
                case 'n' -> out.write('\n');
                case 't' -> out.write('\t');
                case 'r' -> out.write('\r');
                case 'a' -> out.write(7);
                case 'b' -> out.write('\b');
                case 'f' -> out.write('\f');
                case 'v' -> out.write(11);
                case '\n' -> {
                    // line continuation: nothing
                }
                case 'x' -> {
                    if (i + 2 > n - 2 || hex(line[i + 1]) < 0 || hex(line[i + 2]) < 0) {
                        throw malformed("a bad \\x escape in a STRING argument");
                    }
                    out.write(hex(line[i + 1]) * 16 + hex(line[i + 2]));
                    i += 2;
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        for (int k = 0; k < 2 && i + 1 < n - 1 && line[i + 1] >= '0' && line[i + 1] <= '7'; k++) {
                            v = v * 8 + (line[++i] - '0');
                        }
                        out.write(v & 0xff);
                    } else {
                        out.write('\\');
                        out.write(e);
                    }
                }
            }
        }
        return out.toByteArray();
    }

    /** Decodes Python's raw-unicode-escape (protocol 0 UNICODE): latin-1 bytes with backslash-u escapes. */
    private String rawUnicodeEscape(byte[] line) {
        StringBuilder sb = new StringBuilder(line.length);
        int i = 0;
        while (i < line.length) {
            int c = line[i] & 0xff;
            if (c != '\\') {
                sb.append((char) c);
                i++;
                continue;
            }
            int run = 0;
            while (i < line.length && line[i] == '\\') {
                run++;
                i++;
            }
            boolean escape = (run % 2 == 1) && i < line.length && (line[i] == 'u' || line[i] == 'U');
            sb.append("\\".repeat(escape ? run - 1 : run));
            if (escape) {
                int digits = line[i] == 'u' ? 4 : 8;
                if (i + digits >= line.length) {
                    throw malformed("a truncated \\" + (char) line[i] + " escape in a UNICODE argument");
                }
                int cp = 0;
                for (int k = 1; k <= digits; k++) {
                    int h = hex(line[i + k]);
                    if (h < 0) {
                        throw malformed("a bad \\" + (char) line[i] + " escape in a UNICODE argument");
                    }
                    cp = cp * 16 + h;
                }
                if (cp < 0 || cp > Character.MAX_CODE_POINT) {
                    throw malformed("a \\U escape beyond Unicode in a UNICODE argument");
                }
                sb.appendCodePoint(cp);
                i += digits + 1;
            }
        }
        return sb.toString();
    }

    private static int hex(byte b) {
        return Character.digit((char) (b & 0xff), 16);
    }

    // ---- budget and errors ------------------------------------------------------------------------------------

    void charge(long units) {
        work += units;
        if (work > limits.maxWork() || work < 0) {
            throw tooLarge("more than " + limits.maxWork() + " objects and insertions");
        }
    }

    PickleLimits limits() {
        return limits;
    }

    /** Where the current opcode is: {@code archive/data.pkl byte 1234 (REDUCE)}. */
    String where() {
        return source + " byte " + opOffset + (opcode >= 0 ? " (" + Opcodes.name(opcode) + ")" : "");
    }

    int opOffset() {
        return opOffset;
    }

    CheckpointException malformed(String message) {
        return new CheckpointException("malformed pickle: " + message, where(), FIX_CORRUPT);
    }

    CheckpointException unsupported(String message) {
        return new CheckpointException("unsupported pickle content: " + message, where(), FIX_UNSUPPORTED);
    }

    UnsafeCheckpointException unsafe(String message, String global) {
        return new UnsafeCheckpointException("refused unsafe pickle: " + message, global, where());
    }

    private CheckpointException tooLarge(String what) {
        return new CheckpointException("the pickle is too large or too complex to read safely: " + what, where(),
                "A checkpoint's pickle is normally small and simple; the file is probably damaged or hostile");
    }

    /** Makes text from a file safe to print in one line of a message. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < 120; i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return s.length() > 120 ? sb + "..." : sb.toString();
    }
}

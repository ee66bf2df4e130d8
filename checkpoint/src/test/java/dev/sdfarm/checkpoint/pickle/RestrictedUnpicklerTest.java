package dev.sdfarm.checkpoint.pickle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.CheckpointException;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.checkpoint.UnsafeCheckpointException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RestrictedUnpicklerTest {

    private static Object load(PickleBuilder b) {
        return TestStorages.load(b.bytes());
    }

    private static CheckpointException malformed(PickleBuilder b) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> load(b));
        assertTrue(!(e instanceof UnsafeCheckpointException), "expected a plain refusal: " + e.getMessage());
        assertTrue(e.getCause() == null, "no internal error: " + e.getMessage());
        return e;
    }

    private static UnsafeCheckpointException unsafe(PickleBuilder b) {
        return assertThrows(UnsafeCheckpointException.class, () -> load(b));
    }

    // ---- globals and calls -----------------------------------------------------------------------------------

    @Test
    void rejectsGlobalOutsideTheAllowListNamingItAndItsByteOffset() {
        UnsafeCheckpointException e = unsafe(PickleBuilder.proto2().int1(1).op('0').global("posix", "system").stop());
        assertEquals("posix.system", e.global());
        assertEquals("pickle byte 5 (GLOBAL)", e.where());
        assertTrue(e.getMessage().contains("posix.system"), e.getMessage());
    }

    @Test
    void rejectsStackGlobalOutsideTheAllowList() {
        UnsafeCheckpointException e = unsafe(PickleBuilder.proto2().str("builtins").str("eval").op(0x93).stop());
        assertEquals("builtins.eval", e.global());
        assertTrue(e.where().endsWith("(STACK_GLOBAL)"), e.where());
    }

    @Test
    void rejectsCallingAnInertClassToken() {
        UnsafeCheckpointException e = unsafe(PickleBuilder.proto2()
                .global("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint").emptyTuple().reduce().stop());
        assertEquals("pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint", e.global());
    }

    @Test
    void acceptsLightningModelCheckpointClassAsADictKey() {
        PyDict d = assertInstanceOf(PyDict.class, load(PickleBuilder.proto2().op('}')
                .global("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint").op('}').op('s').stop()));
        PyGlobal key = (PyGlobal) d.entries().keySet().iterator().next();
        assertEquals("pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint", key.qualifiedName());
    }

    @ParameterizedTest
    @ValueSource(ints = {'i', 'o', 0x82, 0x83, 0x84, 'P', 0x92})
    void refusesOpcodesThatCreateArbitraryObjects(int opcode) {
        PickleBuilder b = PickleBuilder.proto2().mark().global("collections", "OrderedDict");
        switch (opcode) {
            case 'i' -> b.op('i').text("os\nsystem\n");
            case 'P' -> b.op('P').text("id\n");
            case 0x82 -> b.op(opcode).raw(1);
            case 0x83 -> b.op(opcode).raw(1, 0);
            case 0x84 -> b.op(opcode).raw(1, 0, 0, 0);
            default -> b.op(opcode);
        }
        UnsafeCheckpointException e = unsafe(b.stop());
        assertTrue(e.where().endsWith("(" + Opcodes.name(opcode) + ")"), e.where());
        if (opcode == 'i') {
            assertEquals("os.system", e.global());
        }
    }

    @Test
    void refusesBuildOnAListOrAClassToken() {
        UnsafeCheckpointException onList = unsafe(PickleBuilder.proto2().op(']').op('}').op('b').stop());
        assertNull(onList.global());
        UnsafeCheckpointException onClass = unsafe(PickleBuilder.proto2().global("numpy", "ndarray").op('}').op('b').stop());
        assertEquals("numpy.ndarray", onClass.global());
    }

    @Test
    void refusesNewobjOfAnythingButParameterDictOrOrderedDict() {
        UnsafeCheckpointException e = unsafe(PickleBuilder.proto2().global("__builtin__", "set").emptyTuple().op(0x81).stop());
        assertEquals("__builtin__.set", e.global());
    }

    @Test
    void refusesParameterWithExtraState() {
        PickleBuilder b = PickleBuilder.proto2().global("torch._utils", "_rebuild_parameter_with_state").mark()
                .tensor1d("FloatStorage", "0", 4, 0, 4).op(0x88).global("collections", "OrderedDict").emptyTuple()
                .reduce().op('}').str("evil").int1(1).op('s').tuple().reduce().stop();
        assertEquals("torch._utils._rebuild_parameter_with_state", unsafe(b).global());
    }

    @Test
    void acceptsParameterWithEmptyState() {
        PickleBuilder b = PickleBuilder.proto2().global("torch._utils", "_rebuild_parameter_with_state").mark()
                .tensor1d("FloatStorage", "0", 4, 0, 4).op(0x88).global("collections", "OrderedDict").emptyTuple()
                .reduce().op('}').tuple().reduce().stop();
        assertInstanceOf(StoredTensor.class, load(b));
    }

    @Test
    void readsCodecsEncodeOnlyAsLatin1Bytes() {
        Object v = load(PickleBuilder.proto2().global("_codecs", "encode").str("a\u00ff").str("latin1").op(0x86)
                .reduce().stop());
        assertArrayEquals(new byte[] {'a', (byte) 0xff}, ((PyBytes) v).toByteArray());
        malformed(PickleBuilder.proto2().global("_codecs", "encode").str("\u20ac").str("latin1").op(0x86).reduce().stop());
        CheckpointException e = malformed(PickleBuilder.proto2().global("_codecs", "encode").str("x").str("rot13")
                .op(0x86).reduce().stop());
        assertTrue(e.getMessage().contains("rot13"), e.getMessage());
    }

    @Test
    void readsTorchSizeAsATupleAndDtypeTokensAsGlobals() {
        Object size = load(PickleBuilder.proto2().global("torch", "Size").int1(2).int1(3).op(0x86).op(0x85)
                .reduce().stop());
        assertEquals(PyTuple.of(2L, 3L), size);
        assertEquals(new PyGlobal("torch", "float16"), load(PickleBuilder.proto2().global("torch", "float16").stop()));
    }

    // ---- tensors ---------------------------------------------------------------------------------------------

    @Test
    void rebuildsATensorViewOfItsStorage() {
        StoredTensor t = assertInstanceOf(StoredTensor.class,
                load(PickleBuilder.proto2().tensor1d("HalfStorage", "3", 10, 2, 8).stop()));
        assertEquals(DType.F16, t.dtype());
        assertEquals("data/3", t.storage().key());
        assertEquals(2, t.storageOffset());
        assertArrayEquals(new long[] {8}, t.shape());
    }

    @Test
    void rejectsATensorViewReachingPastItsStorage() {
        CheckpointException e = malformed(PickleBuilder.proto2().tensor1d("FloatStorage", "0", 10, 3, 8).stop());
        assertTrue(e.getMessage().contains("reaches element 10"), e.getMessage());
    }

    @Test
    void rejectsStorageReferencesThatAreNotStorageTuples() {
        unsafe(PickleBuilder.proto2().mark().str("module").global("torch", "FloatStorage").str("0").str("cpu")
                .int1(1).tuple().op('Q').stop());
        malformed(PickleBuilder.proto2().mark().str("storage").global("torch", "float16").str("0").str("cpu")
                .int1(1).tuple().op('Q').stop());
        malformed(PickleBuilder.proto2().mark().str("storage").global("torch", "FloatStorage").str("0").str("cpu")
                .binint(-1).tuple().op('Q').stop());
    }

    @Test
    void rejectsTensorWithBackwardHooks() {
        PickleBuilder b = PickleBuilder.proto2().global("torch._utils", "_rebuild_tensor_v2").mark()
                .storage("FloatStorage", "0", 4).int1(0).int1(4).op(0x85).int1(1).op(0x85).op(0x89)
                .op('}').int1(1).int1(2).op('s').tuple().reduce().stop();
        assertTrue(malformed(b).getMessage().contains("hooks"));
    }

    // ---- numpy -----------------------------------------------------------------------------------------------

    @Test
    void readsNumpyScalarWithItsDtypeAndBytes() {
        PickleBuilder b = PickleBuilder.proto2().global("numpy.core.multiarray", "scalar")
                .global("numpy", "dtype").str("f8").op(0x89).op(0x88).op(0x87).reduce().put(1)
                .mark().int1(3).str("<").op('N').op('N').op('N').binint(-1).binint(-1).int1(0).tuple().op('b')
                .op('C').raw(8).raw(0, 0, 0, 0, 0, 0, 0xd0, 0x3f).op(0x86).reduce().stop();
        NumpyScalar s = assertInstanceOf(NumpyScalar.class, load(b));
        assertEquals("<f8", s.dtype().descr());
        assertEquals(0.25, s.toDouble().orElseThrow());
    }

    @Test
    void rejectsStructuredNumpyDtypes() {
        PickleBuilder b = PickleBuilder.proto2().global("numpy", "dtype").str("V8").op(0x89).op(0x88).op(0x87)
                .reduce().mark().int1(3).str("|").op('N').op(']').op('}').binint(8).binint(1).int1(0).tuple()
                .op('b').stop();
        CheckpointException e = assertThrows(CheckpointException.class, () -> load(b));
        assertTrue(e.getMessage().contains("structured"), e.getMessage());
    }

    // ---- protocol details ------------------------------------------------------------------------------------

    @Test
    void readsPython2StringOpcodesAsStr() {
        assertEquals("a'b\n\u00e9", load(new PickleBuilder().op('S').text("'a\\'b\\n\\xc3\\xa9'\n").stop()));
        assertEquals("xyz", load(PickleBuilder.proto2().op('T').le(3, 4).text("xyz").stop()));
        assertEquals("\u00ff", load(PickleBuilder.proto2().op('U').raw(1).raw(0xff).stop()));
        assertEquals("\u20ac\\\\u\\\\\u00e9", load(new PickleBuilder().op('V').text("\\u20ac\\\\u\\\\\\u00e9\n").stop()));
    }

    @Test
    void readsLargeIntegerForms() {
        assertEquals(BigInteger.TWO.pow(100), load(new PickleBuilder().op('L').text("1267650600228229401496703205376L\n").stop()));
        assertEquals(-129L, load(PickleBuilder.proto2().op(0x8a).raw(2).raw(0x7f, 0xff).stop()));
        assertEquals(BigInteger.ONE.shiftLeft(64), load(PickleBuilder.proto2().op(0x8b).le(9, 4)
                .raw(0, 0, 0, 0, 0, 0, 0, 0, 1).stop()));
        assertEquals(Boolean.TRUE, load(new PickleBuilder().op('I').text("01\n").stop()));
        assertEquals(-42L, load(new PickleBuilder().op('I').text("-42\n").stop()));
        assertEquals(Double.POSITIVE_INFINITY, load(new PickleBuilder().op('F').text("inf\n").stop()));
    }

    @Test
    void handlesPopPopMarkAndDup() {
        Object v = load(PickleBuilder.proto2().int1(1).op('0').mark().int1(2).int1(3).op('1').int1(4).op('2')
                .op(0x86).stop());
        assertEquals(PyTuple.of(4L, 4L), v);
    }

    @Test
    void readsByteStringsOfEveryWidth() {
        assertEquals(PyBytes.of(new byte[] {1, 2}), load(PickleBuilder.proto2().op('B').le(2, 4).raw(1, 2).stop()));
        assertEquals(PyBytes.of(new byte[] {3}), load(PickleBuilder.proto2().op(0x8e).le(1, 8).raw(3).stop()));
        assertEquals(PyBytes.of(new byte[] {4}), load(PickleBuilder.proto2().op(0x96).le(1, 8).raw(4).stop()));
        assertEquals("\u00e9", load(PickleBuilder.proto2().op(0x8d).le(2, 8).raw(0xc3, 0xa9).stop()));
    }

    @Test
    void keepsAListThatContainsItself() {
        PyList l = assertInstanceOf(PyList.class, load(PickleBuilder.proto2().op(']').put(0).get(0).op('a').stop()));
        assertSame(l, l.get(0));
        assertEquals("list[1 items]", l.toString());
    }

    @Test
    void keepsOrderedDictAttributesFromBuild() {
        PyDict d = assertInstanceOf(PyDict.class, load(PickleBuilder.proto2().global("collections", "OrderedDict")
                .emptyTuple().reduce().str("k").int1(1).op('s')
                .op('}').str("_metadata").op('}').op('s').op('b').stop()));
        assertEquals(PyDict.Kind.ORDERED_DICT, d.kind());
        assertEquals(1L, d.get("k"));
        assertInstanceOf(PyDict.class, d.attributes().get("_metadata"));
    }

    // ---- malformed input -------------------------------------------------------------------------------------

    @Test
    void rejectsTrailingBytesAfterStop() {
        assertTrue(malformed(PickleBuilder.proto2().op('N').stop().raw(0)).getMessage().contains("trailing"));
    }

    @Test
    void rejectsTruncatedPickle() {
        CheckpointException e = malformed(PickleBuilder.proto2().op('X').le(10, 4).text("abc"));
        assertTrue(e.getMessage().contains("exceeds") || e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(malformed(PickleBuilder.proto2().op('N')).getMessage().contains("without a STOP"));
        malformed(new PickleBuilder());
    }

    @Test
    void rejectsNegativeAndOversizedLengthsWithoutAllocating() {
        malformed(PickleBuilder.proto2().op('T').le(-5, 4).stop());
        malformed(PickleBuilder.proto2().op(0x8b).le(-1, 4).stop());
        malformed(PickleBuilder.proto2().op(0x8d).le(-1, 8).stop());
        malformed(PickleBuilder.proto2().op(0x8e).le(Long.MAX_VALUE, 8).stop());
        malformed(PickleBuilder.proto2().op('X').le(0xffffffffL, 4).stop());
        malformed(PickleBuilder.proto2().op(0x95).le(1L << 40, 8).op('N').stop());
    }

    @Test
    void rejectsStackUnderflowAcrossAMark() {
        CheckpointException e = malformed(PickleBuilder.proto2().op(']').mark().op('a').stop());
        assertTrue(e.getMessage().contains("stack is empty above the last MARK"), e.getMessage());
        malformed(PickleBuilder.proto2().op('t').stop());
        malformed(PickleBuilder.proto2().op('0').stop());
    }

    @Test
    void rejectsUnhashableFrozensetItemsFromEitherForm() {
        malformed(PickleBuilder.proto2().global("builtins", "frozenset").op(']').op(']').op('a').op(0x85).reduce().stop());
        malformed(PickleBuilder.proto2().mark().op(']').op(0x91).stop());
    }

    @Test
    void rejectsMemoIndexesBeyondALong() {
        malformed(new PickleBuilder().op('N').op('p').text("9999999999999999999\n").stop());
        malformed(new PickleBuilder().op('g').text("-1\n").stop());
    }

    @Test
    void rejectsMemoReadBeforeWrite() {
        assertTrue(malformed(PickleBuilder.proto2().get(7).stop()).getMessage().contains("memo entry 7"));
    }

    @Test
    void rejectsUnhashableDictKeysAndOddSetitems() {
        assertTrue(malformed(PickleBuilder.proto2().op('}').op(']').int1(1).op('s').stop()).getMessage()
                .contains("unhashable"));
        malformed(PickleBuilder.proto2().op('}').mark().int1(1).op('u').stop());
        malformed(PickleBuilder.proto2().op('}').op(')').op(']').op(0x85).int1(1).op('s').stop());
    }

    @Test
    void rejectsUnknownOpcodeAndNewerProtocol() {
        assertTrue(malformed(PickleBuilder.proto2().raw(0xff).stop()).getMessage().contains("0xff"));
        malformed(new PickleBuilder().op(0x80).raw(6).op('N').stop());
    }

    @Test
    void rejectsInvalidUtf8() {
        malformed(PickleBuilder.proto2().op('X').le(2, 4).raw(0xc3, 0x28).stop());
    }

    // ---- limits ----------------------------------------------------------------------------------------------

    private static final PickleLimits SMALL = new PickleLimits(100, 10, 50, 1000, 20, 40, 8);

    private static CheckpointException overLimit(PickleBuilder b) {
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> RestrictedUnpickler.load(b.bytes(), new TestStorages(), SMALL, "test.pkl"));
        assertTrue(e.getMessage().contains("too large or too complex"), e.getMessage());
        return e;
    }

    @Test
    void limitsStackSizeMarkDepthAndMemo() {
        PickleBuilder stack = PickleBuilder.proto2();
        for (int i = 0; i < 101; i++) {
            stack.op('N');
        }
        overLimit(stack.stop());
        PickleBuilder marks = PickleBuilder.proto2();
        for (int i = 0; i < 11; i++) {
            marks.mark();
        }
        overLimit(marks.stop());
        PickleBuilder memo = PickleBuilder.proto2().op('N');
        for (int i = 0; i < 51; i++) {
            memo.op('r').le(i, 4);
        }
        overLimit(memo.stop());
    }

    @Test
    void limitsTotalWorkOfRepeatedInsertions() {
        PickleBuilder appends = PickleBuilder.proto2().op(']').int1(7).put(0).op('0');
        for (int i = 0; i < 600; i++) {
            appends.get(0).op('a');
        }
        overLimit(appends.stop());
    }

    @Test
    void limitsTupleNestingDepth() {
        PickleBuilder b = PickleBuilder.proto2().op(')');
        for (int i = 0; i < 25; i++) {
            b.op(0x85);
        }
        overLimit(b.stop());
    }

    @Test
    void limitsIntegerSize() {
        overLimit(new PickleBuilder().op('I').text("1".repeat(41) + "\n").stop());
        overLimit(PickleBuilder.proto2().op(0x8b).le(21, 4).raw(new byte[21]).stop());
    }

    @Test
    void sharedSubgraphsAreKeptSharedNotCopied() {
        // a = [1]; b = (a, a); c = (b, b); ... each level doubles the paths but not the objects.
        PickleBuilder b = PickleBuilder.proto2().op(']').int1(1).op('a');
        for (int i = 0; i < 60; i++) {
            b.op('2').op(0x86);
        }
        PyTuple top = assertInstanceOf(PyTuple.class, load(b.stop()));
        assertSame(top.get(0), top.get(1));
        assertEquals(List.of(1L), ((PyList) descend(top, 60)).items());
    }

    private static Object descend(Object v, int levels) {
        for (int i = 0; i < levels; i++) {
            v = ((PyTuple) v).get(0);
        }
        return v;
    }

    @Test
    void describesPickleBytesInErrorLocations() {
        CheckpointException e = assertThrows(CheckpointException.class, () -> RestrictedUnpickler.load(
                PickleBuilder.proto2().op('N').op('N').stop().bytes(), new TestStorages(), PickleLimits.DEFAULT,
                "archive/data.pkl"));
        assertEquals("archive/data.pkl byte 4 (STOP)", e.where());
        assertTrue(new String(e.userMessage().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)
                .contains("2 values on the stack"));
    }
}

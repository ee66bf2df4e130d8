package dev.sdfarm.checkpoint;

import dev.sdfarm.checkpoint.anatomy.ArchitecturePreset;
import dev.sdfarm.checkpoint.io.AtomicOutputFile;
import dev.sdfarm.checkpoint.safetensors.SafetensorsWriter;
import dev.sdfarm.checkpoint.slim.Progress;
import dev.sdfarm.checkpoint.synth.Synthesizer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/** Small real-layout checkpoints for tests, and ways to look inside them. */
public final class TestCheckpoints {
    private TestCheckpoints() {
    }

    /** A tiny SD1 checkpoint (the SD1.5 key set, small widths), fp32. */
    public static Path tiny(Path dir, String name, CheckpointFormat format, boolean ema, boolean junk, long seed)
            throws IOException {
        Path p = dir.resolve(name);
        Synthesizer.write(p, new Synthesizer.Options(ArchitecturePreset.TINY_SD1, format, DType.F32, ema, junk, seed),
                true, Progress.NONE);
        return p;
    }

    /** sha256 of every tensor's contiguous bytes, by name. */
    public static Map<String, String> tensorHashes(Path file) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (Checkpoint cp = Checkpoint.open(file)) {
            for (StoredTensor t : cp.tensors()) {
                out.put(t.name(), sha256(contiguousBytes(cp, t)));
            }
        }
        return out;
    }

    /** "dtype shape" of every tensor, by name. */
    public static Map<String, String> tensorTypes(Path file) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (Checkpoint cp = Checkpoint.open(file)) {
            for (StoredTensor t : cp.tensors()) {
                out.put(t.name(), t.dtype().displayName() + " " + t.shapeString());
            }
        }
        return out;
    }

    /** The row-major bytes of a tensor, contiguous or not. */
    public static byte[] contiguousBytes(Checkpoint cp, StoredTensor t) throws IOException {
        if (t.isContiguous()) {
            return cp.readAll(t);
        }
        int es = t.dtype().size();
        byte[] storage = new byte[(int) t.storage().byteSize()];
        cp.read(t.storage(), 0, ByteBuffer.wrap(storage));
        byte[] out = new byte[(int) t.byteSize()];
        long[] shape = t.shape();
        long[] strides = t.strides();
        long[] idx = new long[shape.length];
        for (int i = 0; i < t.numel(); i++) {
            long at = t.storageOffset();
            for (int d = 0; d < shape.length; d++) {
                at += idx[d] * strides[d];
            }
            System.arraycopy(storage, (int) (at * es), out, i * es, es);
            for (int d = shape.length - 1; d >= 0 && ++idx[d] == shape[d]; d--) {
                idx[d] = 0;
            }
        }
        return out;
    }

    public static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Copies the tensors of {@code src} that {@code keep} accepts into a new safetensors file. */
    public static Path copyTensors(Path src, Path dest, Predicate<String> keep, Map<String, String> metadata)
            throws IOException {
        return editTensors(src, dest, t -> keep.test(t.name()) ? t : null, metadata);
    }

    /**
     * Writes a safetensors file with the tensors of {@code src} passed through {@code edit}, which may return
     * the tensor, a replacement (another name, dtype, shape or bytes) or null to leave it out.
     */
    public static Path editTensors(Path src, Path dest, UnaryOperator<OutputTensor> edit, Map<String, String> metadata)
            throws IOException {
        try (Checkpoint cp = Checkpoint.open(src); AtomicOutputFile f = AtomicOutputFile.create(dest, true)) {
            List<OutputTensor> tensors = new java.util.ArrayList<>();
            for (StoredTensor t : cp.tensors()) {
                OutputTensor o = edit.apply(InMemoryTensorData.tensor(t.name(), t.dtype(), t.shape(),
                        contiguousBytes(cp, t)));
                if (o != null) {
                    tensors.add(o);
                }
            }
            SafetensorsWriter.write(tensors, metadata, f.sink());
            f.commit();
        }
        return dest;
    }
}

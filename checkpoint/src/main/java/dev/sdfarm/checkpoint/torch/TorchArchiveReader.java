package dev.sdfarm.checkpoint.torch;

import dev.sdfarm.checkpoint.CheckpointException;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.Storage;
import dev.sdfarm.checkpoint.UnsafeCheckpointException;
import dev.sdfarm.checkpoint.pickle.PickleLimits;
import dev.sdfarm.checkpoint.pickle.RestrictedUnpickler;
import dev.sdfarm.checkpoint.pickle.StorageResolver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads a torch zip archive ({@code torch.save} since 1.6: {@code .ckpt}, {@code .pt}, {@code .pth},
 * {@code .bin}) without running anything in it.
 *
 * <p>The zip directory is parsed and cross-checked here (ZIP64 included); the archive may hold only the entries
 * {@code torch.save} writes: {@code <prefix>/data.pkl}, {@code <prefix>/data/<N>}, {@code <prefix>/version},
 * {@code <prefix>/byteorder}, {@code <prefix>/.data/version} and {@code <prefix>/.data/serialization_id}.
 * {@code data.pkl} (stored or deflated, at most 256 MB) is read into memory and unpickled by the
 * {@link RestrictedUnpickler}. Storages must be stored uncompressed, so tensors are views at absolute file
 * offsets (zero-copy); each storage entry must be exactly as large as the pickle says, and each tensor view must
 * lie inside its storage. Storage CRCs are not verified here (that would read the whole file).
 */
public final class TorchArchiveReader {
    /** Largest {@code data.pkl} read; SD checkpoints have pickles of a few hundred kilobytes. */
    static final int MAX_PICKLE_BYTES = 256 << 20;
    private static final int MAX_SMALL_RECORD = 4096;
    private static final long MAX_DEFLATE_RATIO = 1032;
    private static final Pattern ENTRY_NAME =
            Pattern.compile("([^/]+)/(data\\.pkl|data/([0-9]+)|version|byteorder|\\.data/version|\\.data/serialization_id)");
    private static final String FIX_RESAVE = "Re-save the checkpoint with torch.save, or convert it to .safetensors";

    private TorchArchiveReader() {
    }

    /**
     * Reads the archive in {@code channel}, which holds {@code size} bytes.
     *
     * @throws CheckpointException       when the archive is malformed, uses unsupported features, or its pickle is
     * @throws UnsafeCheckpointException when its pickle asks for anything that could run code
     */
    public static TorchContents read(FileChannel channel, long size) throws IOException {
        return read(ArchiveInput.of(channel, size));
    }

    /**
     * Reads the archive from any seekable channel (for example an in-memory one); moves its position.
     *
     * @see #read(FileChannel, long)
     */
    public static TorchContents read(SeekableByteChannel channel, long size) throws IOException {
        return read(ArchiveInput.of(channel, size));
    }

    static TorchContents read(ArchiveInput in) throws IOException {
        try {
            return readChecked(in);
        } catch (CheckpointException e) {
            throw e;
        } catch (RuntimeException e) {
            // Every input is meant to be handled by an explicit check; this is a safety net so that a parser bug
            // still surfaces as a refusal of the file rather than an unexplained crash.
            throw new CheckpointException(null, "internal error while reading the torch archive: " + e, null,
                    "This is a bug in sdfarm; please report it with the file if you can share it", e);
        }
    }

    private static TorchContents readChecked(ArchiveInput in) throws IOException {
        rejectNonZip(in);
        ZipDirectory dir = ZipDirectory.read(in);
        String prefix = null;
        ZipEntry pickle = null;
        ZipEntry byteOrder = null;
        ZipEntry version = null;
        Map<String, ZipEntry> storages = new HashMap<>();
        for (ZipEntry e : dir.entries()) {
            Matcher m = ENTRY_NAME.matcher(e.name());
            if (!m.matches()) {
                throw new CheckpointException("unexpected entry " + quoted(e.name()) + ": a torch.save archive holds "
                        + "only data.pkl, data/<number>, version and byteorder", "zip entry " + quoted(e.name()),
                        "This is not a plain torch checkpoint (it may be a TorchScript or crafted archive); "
                                + FIX_RESAVE);
            }
            if (prefix == null) {
                prefix = m.group(1);
            } else if (!prefix.equals(m.group(1))) {
                throw new CheckpointException("entries under two top folders, " + quoted(prefix) + " and "
                        + quoted(m.group(1)), "zip entry " + quoted(e.name()), FIX_RESAVE);
            }
            String record = m.group(2);
            switch (record) {
                case "data.pkl" -> pickle = e;
                case "byteorder" -> byteOrder = e;
                case "version" -> version = e;
                default -> {
                    if (m.group(3) != null) {
                        storages.put(m.group(3), e);
                    }
                }
            }
        }
        if (pickle == null) {
            throw new CheckpointException("the archive has no data.pkl", "zip directory",
                    "This is not a torch.save checkpoint; " + FIX_RESAVE);
        }
        if (byteOrder != null) {
            String order = new String(readSmallRecord(in, byteOrder), StandardCharsets.US_ASCII).trim();
            if (order.equals("big")) {
                throw new CheckpointException("the checkpoint was saved on a big-endian machine; sdfarm reads only "
                        + "little-endian tensors", "zip entry " + byteOrder.name(),
                        "Load and re-save it with torch on a little-endian (x86 or ARM) machine");
            }
            if (!order.equals("little")) {
                throw new CheckpointException("unknown byte order " + quoted(order), "zip entry " + byteOrder.name(),
                        FIX_RESAVE);
            }
        }
        if (version != null) {
            String v = new String(readSmallRecord(in, version), StandardCharsets.US_ASCII).trim();
            if (!v.matches("[0-9]{1,9}")) {
                throw new CheckpointException("the version record holds " + quoted(v) + ", not a number",
                        "zip entry " + version.name(), FIX_RESAVE);
            }
        }
        byte[] pickleBytes = readRecord(in, pickle, MAX_PICKLE_BYTES);
        ArchiveStorages resolver = new ArchiveStorages(prefix, storages);
        Object root = RestrictedUnpickler.load(pickleBytes, resolver, PickleLimits.DEFAULT, pickle.name());
        return StateDictLayout.of(root, prefix, PickleLimits.DEFAULT.maxNesting());
    }

    /** Gives the legacy (pre-1.6) format and non-zip files a clear message instead of a zip parse error. */
    private static void rejectNonZip(ArchiveInput in) throws IOException {
        if (in.size() < 4) {
            throw new CheckpointException("the file is too small to be a torch archive", "byte 0",
                    "Check that the download is complete");
        }
        ByteBuffer head = ByteBuffer.wrap(in.readBytes(0, 4, "the file header"));
        if (head.getInt(0) == 0x504b0304) {
            return;
        }
        if ((head.get(0) & 0xff) == 0x80 && head.get(1) >= 2 && head.get(1) <= 5) {
            throw new CheckpointException("this is a legacy (pre-1.6, non-zip) torch file, which sdfarm does not read",
                    "byte 0", "Re-save it with torch>=1.6 (torch.save(torch.load(f, weights_only=True), out)) or "
                            + "convert it to .safetensors with a tool you trust");
        }
        throw new CheckpointException("not a torch zip archive (no zip local header at the start)", "byte 0",
                "Check that the file is a complete .ckpt/.pt download");
    }

    private static byte[] readSmallRecord(ArchiveInput in, ZipEntry e) throws IOException {
        return readRecord(in, e, MAX_SMALL_RECORD);
    }

    /** Reads a whole entry, stored or deflated, checking its size and CRC. */
    static byte[] readRecord(ArchiveInput in, ZipEntry e, int maxSize) throws IOException {
        String where = "zip entry " + e.name();
        if (e.size() > maxSize) {
            throw new CheckpointException(e.name() + " is " + e.size() + " bytes, more than the " + maxSize
                    + " sdfarm reads", where, "The archive is unusual or crafted; " + FIX_RESAVE);
        }
        byte[] out;
        if (e.method() == ZipEntry.STORED) {
            if (e.compressedSize() != e.size()) {
                throw new CheckpointException("a stored entry's compressed and uncompressed sizes differ", where,
                        "The archive is damaged; download it again");
            }
            out = in.readBytes(e.dataOffset(), (int) e.size(), e.name());
        } else if (e.method() == ZipEntry.DEFLATED) {
            if (e.compressedSize() > maxSize + (maxSize >> 3) + 1024) {
                throw new CheckpointException(e.name() + " is " + e.compressedSize() + " compressed bytes, more than "
                        + "sdfarm reads", where, "The archive is unusual or crafted; " + FIX_RESAVE);
            }
            // Deflate cannot expand data more than about 1032-fold; a larger claim is false, so refuse it before
            // allocating the output.
            if (e.size() > e.compressedSize() * MAX_DEFLATE_RATIO + 64) {
                throw new CheckpointException(e.name() + " claims " + e.size() + " bytes from only "
                        + e.compressedSize() + " compressed bytes", where, "The archive is damaged; download it again");
            }
            out = inflate(in.readBytes(e.dataOffset(), (int) e.compressedSize(), e.name()), (int) e.size(), where);
        } else {
            throw new CheckpointException(e.name() + " uses zip compression method " + e.method()
                    + "; only stored and deflated entries are read", where, FIX_RESAVE);
        }
        CRC32 crc = new CRC32();
        crc.update(out);
        if ((int) crc.getValue() != e.crc()) {
            throw new CheckpointException(e.name() + " fails its CRC check: the archive is damaged", where,
                    "Download the file again");
        }
        return out;
    }

    private static byte[] inflate(byte[] compressed, int size, String where) {
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(compressed);
            byte[] out = new byte[size];
            int n = 0;
            while (n < size && !inflater.finished()) {
                int k = inflater.inflate(out, n, size - n);
                if (k == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                n += k;
            }
            if (n != size || !inflater.finished()) {
                // Either short, or more data than the directory states (a decompression bomb is cut off here).
                throw new CheckpointException("the deflated data does not inflate to the " + size
                        + " bytes the directory states", where, "The archive is damaged; download it again");
            }
            return out;
        } catch (DataFormatException e) {
            throw new CheckpointException("the deflated data is corrupt (" + e.getMessage() + ")", where,
                    "The archive is damaged; download it again");
        } finally {
            inflater.end();
        }
    }

    private static String quoted(String s) {
        StringBuilder sb = new StringBuilder("'");
        for (int i = 0; i < s.length() && i < 200; i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return sb.append(s.length() > 200 ? "...'" : "'").toString();
    }

    /** Resolves {@code ('storage', type, key, location, numel)} to the stored entry {@code <prefix>/data/<key>}. */
    private static final class ArchiveStorages implements StorageResolver {
        private final String prefix;
        private final Map<String, ZipEntry> entries;
        private final Map<String, Storage> resolved = new HashMap<>();

        ArchiveStorages(String prefix, Map<String, ZipEntry> entries) {
            this.prefix = prefix;
            this.entries = entries;
        }

        @Override
        public Storage resolve(String key, DType dtype, long numel, String location, String where) {
            String record = "data/" + key;
            Storage known = resolved.get(key);
            if (known != null) {
                if (known.dtype() != dtype || known.numel() != numel) {
                    throw new CheckpointException("storage " + record + " is referenced as " + dtype + "[" + numel
                            + "] and as " + known.dtype() + "[" + known.numel() + "]", where,
                            "The checkpoint is damaged or crafted; " + FIX_RESAVE);
                }
                return known;
            }
            ZipEntry e = entries.get(key);
            if (e == null) {
                throw new CheckpointException("the pickle references storage " + record
                        + ", but the archive has no entry " + prefix + "/" + record, where,
                        "The archive is incomplete or damaged; download it again");
            }
            String entryWhere = "zip entry " + e.name();
            if (e.method() != ZipEntry.STORED || e.compressedSize() != e.size()) {
                throw new CheckpointException("storage " + record + " is compressed; tensors must be stored "
                        + "uncompressed to be read in place", entryWhere,
                        "Re-save the checkpoint with torch.save, which stores tensors uncompressed");
            }
            long bytes;
            try {
                bytes = Math.multiplyExact(numel, dtype.size());
            } catch (ArithmeticException ex) {
                throw new CheckpointException("storage " + record + " claims " + numel + " elements", where,
                        "The checkpoint is damaged or crafted; " + FIX_RESAVE);
            }
            if (bytes != e.size()) {
                throw new CheckpointException("storage " + record + " should hold " + numel + " " + dtype
                        + " elements (" + bytes + " bytes) but its entry has " + e.size() + " bytes", entryWhere,
                        "The checkpoint is damaged or truncated; download it again");
            }
            Storage s = new Storage(record, dtype, e.dataOffset(), e.size());
            resolved.put(key, s);
            return s;
        }
    }
}

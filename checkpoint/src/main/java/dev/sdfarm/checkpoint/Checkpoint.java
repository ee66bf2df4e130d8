package dev.sdfarm.checkpoint;

import dev.sdfarm.checkpoint.safetensors.SafetensorsReader;
import dev.sdfarm.checkpoint.torch.TorchArchiveReader;
import dev.sdfarm.checkpoint.torch.TorchContents;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An open checkpoint file: its tensors (names, dtypes, shapes, locations), its metadata, and access to the
 * tensor bytes either zero-copy through a memory mapping or streamed through positional reads.
 *
 * <p>Opening reads and validates only the header (safetensors) or the archive directory and pickle (torch);
 * nothing in the file is ever executed. Close it to release the file and any mapping.
 */
public final class Checkpoint implements AutoCloseable {
    private final Path path;
    private final CheckpointFormat format;
    private final FileChannel channel;
    private final long fileSize;
    private final List<StoredTensor> tensors;
    private final Map<String, StoredTensor> byName;
    private final Map<String, String> metadata;
    private final TorchContents torch;
    private final long dataStart;
    private Arena mappingArena;
    private MemorySegment mapping;

    private Checkpoint(Path path, CheckpointFormat format, FileChannel channel, long fileSize,
                       List<StoredTensor> tensors, Map<String, String> metadata, TorchContents torch, long dataStart) {
        this.path = path;
        this.format = format;
        this.channel = channel;
        this.fileSize = fileSize;
        this.tensors = List.copyOf(tensors);
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        this.torch = torch;
        this.dataStart = dataStart;
        Map<String, StoredTensor> m = new LinkedHashMap<>();
        for (StoredTensor t : tensors) {
            if (m.putIfAbsent(t.name(), t) != null) {
                throw new CheckpointException(path.toString(), "duplicate tensor name", "key " + t.name(),
                        "The file is malformed; re-export it", null);
            }
        }
        this.byName = Collections.unmodifiableMap(m);
    }

    /**
     * Opens a {@code .safetensors} file or a torch zip archive ({@code .ckpt}, {@code .pt}, {@code .pth},
     * {@code .bin}), recognised by content, not by extension.
     *
     * @throws CheckpointException when the file is malformed, of an unknown format, or unsafe
     */
    public static Checkpoint open(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        try {
            long size = ch.size();
            FileSniffer.Kind kind = FileSniffer.sniff(ch, size);
            Checkpoint cp = switch (kind) {
                case SAFETENSORS -> {
                    SafetensorsReader.Header h = SafetensorsReader.readHeader(ch, size);
                    yield new Checkpoint(path, CheckpointFormat.SAFETENSORS, ch, size, h.tensors(), h.metadata(),
                            null, h.dataStart());
                }
                case TORCH_ZIP -> {
                    TorchContents tc = TorchArchiveReader.read(ch, size);
                    yield new Checkpoint(path, CheckpointFormat.TORCH_ZIP, ch, size, tc.tensors(), tc.metadata(),
                            tc, -1);
                }
                case TORCH_LEGACY -> throw new CheckpointException(
                        "this is a legacy (pre-1.6, non-zip) torch file, which sdfarm does not read",
                        "byte 0",
                        "Re-save it with torch>=1.6 (torch.save(torch.load(f, weights_only=True), out)) or convert "
                                + "it to .safetensors with a tool you trust");
                case UNKNOWN -> throw new CheckpointException(
                        "not a checkpoint: neither a .safetensors header nor a torch zip archive",
                        "byte 0",
                        "Check that the file is a complete .safetensors or .ckpt/.pt download");
            };
            return cp;
        } catch (CheckpointException e) {
            ch.close();
            throw e.inFile(path.toString());
        } catch (IOException | RuntimeException | Error e) {
            ch.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    public CheckpointFormat format() {
        return format;
    }

    public long fileSize() {
        return fileSize;
    }

    /** Model tensors, in file order (safetensors: by data offset; torch: pickle order). */
    public List<StoredTensor> tensors() {
        return tensors;
    }

    public Optional<StoredTensor> tensor(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** Names of all tensors, in file order. */
    public java.util.Set<String> names() {
        return byName.keySet();
    }

    /** Safetensors {@code __metadata__}, or the metadata sdfarm stored in a torch archive; may be empty. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The unpickled object graph of a torch archive; empty for safetensors. */
    public Optional<TorchContents> torch() {
        return Optional.ofNullable(torch);
    }

    /** For safetensors: offset of the first data byte (8 + header length); -1 for torch archives. */
    public long dataStart() {
        return dataStart;
    }

    /**
     * Fills {@code dst} (from its position to its limit) with bytes of {@code storage} starting at
     * {@code offset} within it. Streams through the OS page cache without mapping, so memory stays bounded.
     */
    public void read(Storage storage, long offset, ByteBuffer dst) throws IOException {
        long want = dst.remaining();
        if (offset < 0 || offset + want > storage.byteSize()) {
            throw new IndexOutOfBoundsException("read of " + want + " bytes at " + offset + " outside storage "
                    + storage.key() + " of " + storage.byteSize() + " bytes");
        }
        long pos = storage.fileOffset() + offset;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos);
            if (n < 0) {
                throw new CheckpointException(path.toString(), "file ended inside tensor data",
                        "byte " + pos + ", storage " + storage.key(), "The file is truncated; download it again", null);
            }
            pos += n;
        }
    }

    /** Reads a contiguous tensor's bytes into a new array (for small tensors such as scalars and buffers). */
    public byte[] readAll(StoredTensor t) throws IOException {
        if (!t.isContiguous()) {
            throw new IllegalArgumentException(t.name() + " is not contiguous");
        }
        long n = t.byteSize();
        if (n > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException(t.name() + " is too large to read into an array");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) n);
        read(t.storage(), t.storageOffset() * t.dtype().size(), buf);
        return buf.array();
    }

    /**
     * The bytes of a contiguous tensor as a read-only slice of a memory mapping of the whole file (zero-copy).
     * The segment is valid until this checkpoint is closed.
     */
    public synchronized MemorySegment segment(StoredTensor t) throws IOException {
        if (!t.isContiguous()) {
            throw new IllegalArgumentException(t.name() + " is not contiguous; read it element-wise");
        }
        if (mapping == null) {
            mappingArena = Arena.ofShared();
            mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, fileSize, mappingArena);
        }
        return mapping.asSlice(t.fileOffset(), t.byteSize());
    }

    /** The underlying channel, for whole-file work such as hashing. Do not close it. */
    public FileChannel channel() {
        return channel;
    }

    @Override
    public synchronized void close() throws IOException {
        if (mappingArena != null) {
            mappingArena.close();
            mappingArena = null;
            mapping = null;
        }
        channel.close();
    }
}

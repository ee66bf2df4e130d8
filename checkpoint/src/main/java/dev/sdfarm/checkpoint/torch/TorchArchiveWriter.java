package dev.sdfarm.checkpoint.torch;

import dev.sdfarm.checkpoint.ByteSink;
import dev.sdfarm.checkpoint.CheckpointException;
import dev.sdfarm.checkpoint.OutputStorage;
import dev.sdfarm.checkpoint.OutputTensor;
import dev.sdfarm.checkpoint.pickle.PyDict;
import dev.sdfarm.checkpoint.pickle.TorchPickler;
import dev.sdfarm.checkpoint.pickle.WeightsOnlyCheck;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Writes a torch zip archive that {@code torch.load(f, weights_only=True)} loads (PyTorch 1.13 and later),
 * streaming it to a {@link ByteSink} with sequential writes only, so the caller can hash the output as it is
 * written.
 *
 * <p>The archive holds {@code <name>/data.pkl} (the pickled object graph, see {@link TorchPickler}),
 * {@code <name>/byteorder} ({@code little}), one stored entry {@code <name>/data/<N>} per storage with its data
 * aligned to 64 bytes, {@code <name>/version} ({@code 3}) and the central directory, with ZIP64 records where
 * needed. Storages shared by several {@link OutputTensor}s (same {@link OutputStorage#identity()}) are
 * written once. Tensor bytes are copied exactly as {@link OutputStorage#data()} produces them.
 *
 * <p>Instances are immutable; configure with {@link #archiveName(String)} and {@link #tolerating(Set)}.
 */
public final class TorchArchiveWriter {
    /** The folder name torch uses when saving to a stream. */
    public static final String DEFAULT_ARCHIVE_NAME = "archive";

    private final String archiveName;
    private final Set<WeightsOnlyCheck.Issue> tolerated;
    private final long zip64SizeLimit;
    private final long zip64CountLimit;

    /** A writer using archive name {@value #DEFAULT_ARCHIVE_NAME}, writing only torch 1.13 weights-only values. */
    public TorchArchiveWriter() {
        this(DEFAULT_ARCHIVE_NAME, EnumSet.noneOf(WeightsOnlyCheck.Issue.class), ZipStreamWriter.ZIP64_SIZE_LIMIT,
                ZipStreamWriter.ZIP64_COUNT_LIMIT);
    }

    private TorchArchiveWriter(String archiveName, Set<WeightsOnlyCheck.Issue> tolerated, long zip64SizeLimit,
                               long zip64CountLimit) {
        this.archiveName = archiveName;
        this.tolerated = Set.copyOf(tolerated);
        this.zip64SizeLimit = zip64SizeLimit;
        this.zip64CountLimit = zip64CountLimit;
    }

    /**
     * The same writer with another top folder name (torch uses the file's base name).
     *
     * @throws IllegalArgumentException for an empty name or one containing {@code /}, {@code \} or control
     *                                  characters
     */
    public TorchArchiveWriter archiveName(String name) {
        if (name.isEmpty() || name.chars().anyMatch(c -> c == '/' || c == '\\' || c < 0x20 || c == 0x7f)
                || name.getBytes(StandardCharsets.UTF_8).length > 1000) {
            throw new IllegalArgumentException("bad archive name: " + name);
        }
        return new TorchArchiveWriter(name, tolerated, zip64SizeLimit, zip64CountLimit);
    }

    /**
     * The same writer, also writing values with these {@link WeightsOnlyCheck} issues (only writable ones, such
     * as floats, which torch 2 but not 1.13 loads with {@code weights_only=True}).
     */
    public TorchArchiveWriter tolerating(Set<WeightsOnlyCheck.Issue> issues) {
        for (WeightsOnlyCheck.Issue i : issues) {
            if (!i.writable()) {
                throw new IllegalArgumentException(i + " cannot be written");
            }
        }
        return new TorchArchiveWriter(archiveName, issues, zip64SizeLimit, zip64CountLimit);
    }

    /** The same writer with lowered ZIP64 thresholds, so tests can exercise ZIP64 records on small archives. */
    TorchArchiveWriter zip64Thresholds(long sizeLimit, long countLimit) {
        return new TorchArchiveWriter(archiveName, tolerated, sizeLimit, countLimit);
    }

    public String archiveName() {
        return archiveName;
    }

    /**
     * An OrderedDict of tensors by name, in the given order: the usual object graph for a state dict.
     *
     * @throws IllegalArgumentException when two tensors have the same name
     */
    public static PyDict stateDict(Collection<OutputTensor> tensors) {
        PyDict d = PyDict.orderedDict();
        for (OutputTensor t : tensors) {
            if (d.containsKey(t.name())) {
                throw new IllegalArgumentException("two tensors named " + t.name());
            }
            d.put(t.name(), t);
        }
        return d;
    }

    /**
     * Writes {@code graph} (None, bool, int, str, tuples, lists, dicts, OrderedDicts and {@link OutputTensor}
     * leaves; see {@link TorchPickler}) as a torch archive.
     *
     * @return the number of bytes written
     * @throws CheckpointException      when the graph holds values torch's weights-only loader would refuse
     *                                  (see {@link WeightsOnlyCheck}) and that are not tolerated
     * @throws IllegalArgumentException when a tensor's view does not fit its storage
     * @throws IOException              from the sink, or when a storage's data emits the wrong number of bytes
     */
    public long write(Object graph, ByteSink sink) throws IOException {
        return writeArchive(TorchPickler.pickle(graph, tolerated), sink);
    }

    /**
     * Writes a training checkpoint whose graph may also hold Lightning's allow-listed class tokens and numpy
     * scalars (see {@link TorchPickler#pickleTrainingState}); torch's weights-only loader cannot read it.
     */
    public long writeTrainingState(Object graph, ByteSink sink) throws IOException {
        return writeArchive(TorchPickler.pickleTrainingState(graph), sink);
    }

    private long writeArchive(TorchPickler.Result pickled, ByteSink sink) throws IOException {
        Objects.requireNonNull(sink);
        ZipStreamWriter zip = new ZipStreamWriter(sink, zip64SizeLimit, zip64CountLimit);
        String p = archiveName + "/";
        zip.add(p + "data.pkl", pickled.pickle());
        zip.add(p + "byteorder", "little".getBytes(StandardCharsets.US_ASCII));
        List<OutputStorage> storages = pickled.storages();
        for (int i = 0; i < storages.size(); i++) {
            zip.add(p + "data/" + i, storages.get(i).data());
        }
        zip.add(p + "version", "3\n".getBytes(StandardCharsets.US_ASCII));
        return zip.finish();
    }
}

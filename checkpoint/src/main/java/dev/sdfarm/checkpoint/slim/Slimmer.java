package dev.sdfarm.checkpoint.slim;

import dev.sdfarm.checkpoint.ByteSink;
import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.CheckpointFormat;
import dev.sdfarm.checkpoint.Counts;
import dev.sdfarm.checkpoint.InMemoryTensorData;
import dev.sdfarm.checkpoint.OutputStorage;
import dev.sdfarm.checkpoint.OutputTensor;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.checkpoint.TensorData;
import dev.sdfarm.checkpoint.anatomy.ModelAnatomy;
import dev.sdfarm.checkpoint.inspect.CheckpointInspector;
import dev.sdfarm.checkpoint.io.AtomicOutputFile;
import dev.sdfarm.checkpoint.io.FileHashing;
import dev.sdfarm.checkpoint.io.OutputExistsException;
import dev.sdfarm.checkpoint.safetensors.SafetensorsWriter;
import dev.sdfarm.checkpoint.slim.SlimPlan.Planned;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Converts one checkpoint file: plan (all input checks), hash the input for provenance, stream every tensor
 * through the cast into an {@link AtomicOutputFile}. Memory stays bounded by a few chunk buffers whatever the
 * file size; a failure at any point leaves no output file behind.
 */
public final class Slimmer {
    private Slimmer() {
    }

    /**
     * @param overwrite   whether an existing output may be replaced
     * @param inputSha256 the input's sha256 if the caller already knows it, else null
     */
    public static SlimResult slim(Path in, Path out, SlimOptions opts, boolean overwrite, String inputSha256,
                                  Progress progress) throws IOException {
        long start = System.nanoTime();
        refuseOverwritingInputs(in, out, opts);
        if (!overwrite && Files.exists(out)) {
            throw new OutputExistsException(out, "output " + out + " already exists; pass --force to replace it");
        }
        try (Checkpoint cp = Checkpoint.open(in);
             Checkpoint vae = opts.bakeVae() == null ? null : Checkpoint.open(opts.bakeVae())) {
            ModelAnatomy anatomy = CheckpointInspector.anatomyOf(cp);
            SlimPlan plan = SlimPlanner.plan(cp, anatomy, opts, vae);
            long hashBytes = inputSha256 == null ? cp.fileSize() : 0;
            progress.start(in.getFileName().toString(), hashBytes + plan.inputBytesToRead());
            String sha = inputSha256 != null ? inputSha256
                    : FileHashing.sha256Hex(cp.channel(), 0, cp.fileSize(), progress::advance);
            String vaeSha = vae == null ? null : FileHashing.sha256Hex(vae.channel(), 0, vae.fileSize(), null);
            Provenance provenance = Provenance.of(sha, in.getFileName().toString(), opts.operations(vaeSha));

            Map<String, LongAdder> overflows = new LinkedHashMap<>();
            List<String> notes = new ArrayList<>(plan.actions());
            String outSha;
            long outBytes;
            // The input's metadata, then the user's (sorted, for reproducible bytes), then provenance.
            Map<String, String> metadata = new LinkedHashMap<>(cp.metadata());
            metadata.putAll(new java.util.TreeMap<>(opts.metadata()));
            metadata = provenance.addTo(metadata);
            try (AtomicOutputFile file = AtomicOutputFile.create(out, overwrite)) {
                if (opts.format() == CheckpointFormat.SAFETENSORS) {
                    writeSafetensors(plan, metadata, file.sink(), overflows, progress);
                } else {
                    TorchOutput.write(cp, anatomy.family().isFullModel(), plan, metadata, file.sink(), overflows,
                            notes, progress);
                }
                outSha = file.commit();
                outBytes = file.size();
            }
            List<String> warnings = new ArrayList<>(plan.warnings());
            long overflowCount = overflows.values().stream().mapToLong(LongAdder::sum).sum();
            if (overflowCount > 0) {
                var worst = overflows.entrySet().stream().filter(e -> e.getValue().sum() > 0)
                        .max(java.util.Comparator.comparingLong(e -> e.getValue().sum())).orElseThrow();
                long tensors = overflows.values().stream().filter(a -> a.sum() > 0).count();
                warnings.add(Counts.values(overflowCount) + " overflowed " + opts.precision().displayName() + " in "
                        + Counts.tensors(tensors) + " (most in " + worst.getKey() + ": " + worst.getValue().sum()
                        + "); they are now " + (opts.precision() == dev.sdfarm.checkpoint.DType.F8_E4M3FN ? "NaN" : "±Inf")
                        + ". Keep that component at higher precision (--unet/--text-encoder/--vae copy) if it matters");
            }
            return new SlimResult(in, out, sha, outSha, cp.fileSize(), outBytes, cp.tensors().size(),
                    plan.tensors().size(), overflowCount, notes, warnings,
                    (System.nanoTime() - start) / 1e9);
        }
    }

    private static void refuseOverwritingInputs(Path in, Path out, SlimOptions opts) throws IOException {
        List<Path> inputs = new ArrayList<>(List.of(in));
        if (opts.bakeVae() != null) {
            inputs.add(opts.bakeVae());
        }
        for (Path p : inputs) {
            boolean same = Files.exists(out) && Files.exists(p) ? Files.isSameFile(p, out)
                    : p.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize());
            if (same) {
                throw new OutputExistsException(out, "output " + out + " is an input of this conversion; sdfarm "
                        + "never writes over its input");
            }
        }
    }

    /** The data of one planned tensor in its target dtype, streamed from its source on demand. */
    static TensorData dataOf(Planned p, LongAdder overflows, Progress progress) {
        if (p.generated() != null) {
            return new InMemoryTensorData(p.generated());
        }
        StoredTensor s = p.source();
        if (s.isContiguous()) {
            return new CastRange(p.from(), s.storage(), s.storageOffset(), s.numel(), p.target(), overflows,
                    progress::advance);
        }
        return new CastGather(p.from(), s, p.target(), overflows, progress::advance);
    }

    private static void writeSafetensors(SlimPlan plan, Map<String, String> metadata, ByteSink sink,
                                         Map<String, LongAdder> overflows, Progress progress) throws IOException {
        List<OutputTensor> tensors = new ArrayList<>(plan.tensors().size());
        for (Planned p : plan.tensors()) {
            LongAdder o = overflows.computeIfAbsent(p.name(), k -> new LongAdder());
            OutputStorage storage = new OutputStorage(p.name(), p.target(), StoredTensor.numel(p.shape()),
                    dataOf(p, o, progress));
            tensors.add(OutputTensor.whole(p.name(), p.shape(), storage));
        }
        SafetensorsWriter.write(tensors, metadata, sink);
    }
}

package dev.sdfarm.checkpoint.synth;

import dev.sdfarm.checkpoint.CheckpointFormat;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.InMemoryTensorData;
import dev.sdfarm.checkpoint.OutputStorage;
import dev.sdfarm.checkpoint.OutputTensor;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.checkpoint.anatomy.ArchitecturePreset;
import dev.sdfarm.checkpoint.anatomy.EmaKeys;
import dev.sdfarm.checkpoint.anatomy.ScheduleBuffers;
import dev.sdfarm.checkpoint.anatomy.TensorLayout;
import dev.sdfarm.checkpoint.anatomy.TensorSpec;
import dev.sdfarm.checkpoint.io.AtomicOutputFile;
import dev.sdfarm.checkpoint.safetensors.SafetensorsWriter;
import dev.sdfarm.checkpoint.slim.Progress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes synthetic checkpoints with the true key names and shapes of a published architecture, random
 * weights (see {@link SyntheticWeights}), the real schedule buffers, int64 CLIP position ids, optional EMA twins
 * and, for torch archives, optional Lightning training state. For tests, benchmarks and the demo.
 */
public final class Synthesizer {
    /**
     * @param preset architecture to copy
     * @param dtype  dtype of the weights (fp32 or fp16); buffers keep their own dtypes
     * @param ema    add LitEma twins of every UNet weight and the EMA bookkeeping
     * @param junk   add training leftovers: Lightning state for torch archives, stray state-dict keys for both
     */
    public record Options(ArchitecturePreset preset, CheckpointFormat format, DType dtype, boolean ema, boolean junk,
                          long seed) {
        public Options {
            if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
                throw new IllegalArgumentException("synthetic weights are fp32, fp16 or bf16");
            }
        }
    }

    private Synthesizer() {
    }

    /** Writes the checkpoint atomically; returns its size in bytes. */
    public static long write(Path out, Options opts, boolean overwrite, Progress progress) throws IOException {
        List<OutputTensor> tensors = tensors(opts, progress);
        long total = tensors.stream().mapToLong(OutputTensor::byteSize).sum();
        progress.start(out.getFileName().toString(), total);
        try (AtomicOutputFile file = AtomicOutputFile.create(out, overwrite, false)) {
            if (opts.format() == CheckpointFormat.SAFETENSORS) {
                SafetensorsWriter.write(tensors, Map.of("format", "pt"), file.sink());
            } else {
                LightningCheckpoint.write(tensors, opts.junk(), opts.seed(), file.sink());
            }
            file.commit();
            return file.size();
        }
    }

    /** The tensors in the order an LDM training run saves them: schedule, UNet, EMA, VAE, text encoder. */
    static List<OutputTensor> tensors(Options opts, Progress progress) {
        ArchitecturePreset p = opts.preset();
        List<OutputTensor> out = new ArrayList<>();
        Map<String, float[]> schedule = LdmSchedule.values(ScheduleBuffers.TIMESTEPS, 0.00085, 0.012);
        for (TensorSpec s : p.schedule().specs()) {
            float[] v = schedule.get(s.key());
            if (v != null) {
                out.add(floats(s.key(), s.shape(), v));
            }
        }
        addWeights(out, p.unetLayout(), opts, false, progress);
        if (opts.ema()) {
            ByteBuffer decay = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0.9999f);
            out.add(InMemoryTensorData.tensor(EmaKeys.DECAY, DType.F32, new long[] {}, decay.array()));
            ByteBuffer updates = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(470_000 + (int) (opts.seed() & 0xffff));
            out.add(InMemoryTensorData.tensor(EmaKeys.NUM_UPDATES, DType.I32, new long[] {}, updates.array()));
            for (TensorSpec s : p.unetLayout().specs()) {
                out.add(weight(EmaKeys.emaKeyFor(s.key()), s.key(), s.shape(), opts, true, progress));
            }
        }
        addWeights(out, p.vaeLayout(), opts, false, progress);
        addWeights(out, p.textEncoderLayout(), opts, false, progress);
        if (opts.junk()) {
            // Leftovers real merges carry inside the state dict.
            out.add(weight("embedding_manager.embedder.transformer.text_model.embeddings.token_embedding.weight",
                    "embedding_manager", new long[] {8, 64}, opts, false, progress));
            out.add(weight("lora_te_text_model_encoder_layers_0_mlp_fc1.lora_down.weight", "lora",
                    new long[] {4, 64}, opts, false, progress));
        }
        return out;
    }

    private static void addWeights(List<OutputTensor> out, TensorLayout layout, Options opts, boolean twin,
                                   Progress progress) {
        for (TensorSpec s : layout.specs()) {
            if (s.fixedDtype().isPresent()) {
                out.add(buffer(s));
            } else {
                out.add(weight(s.key(), s.key(), s.shape(), opts, twin, progress));
            }
        }
    }

    private static OutputTensor weight(String name, String valuesOf, long[] shape, Options opts, boolean twin,
                                       Progress progress) {
        SyntheticWeights w = SyntheticWeights.forTensor(valuesOf, shape, opts.seed(), twin);
        OutputStorage s = new OutputStorage(name, opts.dtype(), StoredTensor.numel(shape),
                new SyntheticTensorData(w, shape, opts.dtype(), progress::advance));
        return OutputTensor.whole(name, shape, s);
    }

    /** Integer buffers (CLIP position ids): 0..n-1 in their dtype. */
    private static OutputTensor buffer(TensorSpec s) {
        DType d = s.fixedDtype().orElseThrow();
        int n = (int) s.numel();
        ByteBuffer b = ByteBuffer.allocate(n * d.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            switch (d) {
                case I64 -> b.putLong(i);
                case I32 -> b.putInt(i);
                default -> throw new IllegalStateException("unexpected buffer dtype " + d + " for " + s.key());
            }
        }
        return InMemoryTensorData.tensor(s.key(), d, s.shape(), b.array());
    }

    private static OutputTensor floats(String name, long[] shape, float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return InMemoryTensorData.tensor(name, DType.F32, shape, b.array());
    }
}

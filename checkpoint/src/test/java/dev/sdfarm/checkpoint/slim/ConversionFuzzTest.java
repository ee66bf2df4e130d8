package dev.sdfarm.checkpoint.slim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.CheckpointException;
import dev.sdfarm.checkpoint.CheckpointFormat;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.InMemoryTensorData;
import dev.sdfarm.checkpoint.OutputTensor;
import dev.sdfarm.checkpoint.TestBytes;
import dev.sdfarm.checkpoint.io.AtomicOutputFile;
import dev.sdfarm.checkpoint.safetensors.SafetensorsWriter;
import dev.sdfarm.checkpoint.torch.TorchArchiveWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Converts thousands of damaged checkpoints (both formats): each conversion must either succeed with a
 * readable output or fail with a {@link CheckpointException}, and a failure must leave the output folder
 * exactly as it was: no partial file, no temporary file.
 */
class ConversionFuzzTest {
    private static final int MUTANTS_PER_FORMAT = 1500;

    @TempDir
    Path dir;

    @Test
    void damagedInputsConvertOrFailWithoutLeavingAnyPartialOutput() throws IOException {
        byte[] safetensors = seed(CheckpointFormat.SAFETENSORS);
        byte[] ckpt = seed(CheckpointFormat.TORCH_ZIP);
        SplittableRandom rnd = new SplittableRandom(7);
        int[] outcomes = new int[2];
        Path in = dir.resolve("in");
        Path outDir = Files.createDirectories(dir.resolve("out"));
        assertTimeoutPreemptively(Duration.ofSeconds(240), () -> {
            for (int i = 0; i < 2 * MUTANTS_PER_FORMAT; i++) {
                byte[] m = mutate(i % 2 == 0 ? safetensors : ckpt, rnd);
                Files.write(in, m);
                CheckpointFormat target = rnd.nextBoolean() ? CheckpointFormat.SAFETENSORS : CheckpointFormat.TORCH_ZIP;
                Path out = outDir.resolve("o." + target.extension());
                SlimOptions o = SlimOptions.defaults(target).withPrecision(DType.F16).withEma(EmaMode.DROP);
                boolean converted = false;
                try {
                    Slimmer.slim(in, out, o, true, null, Progress.NONE);
                    converted = true;
                    try (Checkpoint cp = Checkpoint.open(out)) {
                        assertTrue(cp.tensors().size() > 0);
                    }
                    Files.delete(out);
                    outcomes[0]++;
                } catch (CheckpointException e) {
                    if (converted) {
                        fail("mutant " + i + " converted into an unreadable output: " + e.userMessage(), e);
                    }
                    outcomes[1]++;
                } catch (Throwable t) {
                    fail("mutant " + i + " raised " + t, t);
                }
                try (Stream<Path> left = Files.list(outDir)) {
                    List<Path> files = left.toList();
                    assertEquals(List.of(), files, "mutant " + i + " left files behind");
                }
            }
        });
        assertEquals(2 * MUTANTS_PER_FORMAT, outcomes[0] + outcomes[1]);
        assertTrue(outcomes[0] > 0 && outcomes[1] > 0, "both outcomes occur: " + outcomes[0] + "/" + outcomes[1]);
    }

    /** A small checkpoint with realistic key names, a few dtypes and enough tensors to matter. */
    private byte[] seed(CheckpointFormat f) throws IOException {
        List<OutputTensor> tensors = new ArrayList<>();
        String[] names = {"model.diffusion_model.input_blocks.0.0.weight", "model.diffusion_model.out.2.bias",
            "first_stage_model.decoder.conv_out.weight", "cond_stage_model.transformer.text_model.final_layer_norm.weight",
            "model_ema.diffusion_modelinput_blocks00weight", "betas"};
        for (int i = 0; i < names.length; i++) {
            tensors.add(InMemoryTensorData.tensor(names[i], DType.F32, new long[] {4, 8}, TestBytes.lcg(128, i)));
        }
        tensors.add(InMemoryTensorData.tensor("cond_stage_model.transformer.text_model.embeddings.position_ids",
                DType.I64, new long[] {1, 4}, new byte[32]));
        Path p = dir.resolve("seed." + f.extension());
        try (AtomicOutputFile out = AtomicOutputFile.create(p, true)) {
            if (f == CheckpointFormat.SAFETENSORS) {
                SafetensorsWriter.write(tensors, Map.of("format", "pt"), out.sink());
            } else {
                new TorchArchiveWriter().write(TorchArchiveWriter.stateDict(tensors), out.sink());
            }
            out.commit();
        }
        return Files.readAllBytes(p);
    }

    private static byte[] mutate(byte[] seed, SplittableRandom rnd) {
        byte[] m = seed.clone();
        switch (rnd.nextInt(4)) {
            case 0 -> { // flip bits anywhere
                for (int k = 1 + rnd.nextInt(4); k > 0; k--) {
                    int at = rnd.nextInt(m.length);
                    m[at] ^= (byte) (1 << rnd.nextInt(8));
                }
            }
            case 1 -> m = java.util.Arrays.copyOf(m, rnd.nextInt(m.length)); // truncate
            case 2 -> { // overwrite a run with random bytes
                int at = rnd.nextInt(m.length);
                for (int k = 0; k < 1 + rnd.nextInt(16) && at + k < m.length; k++) {
                    m[at + k] = (byte) rnd.nextInt(256);
                }
            }
            default -> { // flip a bit in the first 512 bytes (headers, local file header, pickle opcodes)
                int at = rnd.nextInt(Math.min(512, m.length));
                m[at] ^= (byte) (1 << rnd.nextInt(8));
            }
        }
        return m;
    }
}

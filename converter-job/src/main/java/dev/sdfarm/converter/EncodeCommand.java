package dev.sdfarm.converter;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.InMemoryTensorData;
import dev.sdfarm.checkpoint.OutputTensor;
import dev.sdfarm.checkpoint.SdfarmVersion;
import dev.sdfarm.checkpoint.io.AtomicOutputFile;
import dev.sdfarm.checkpoint.safetensors.SafetensorsWriter;
import dev.sdfarm.converter.cli.ExitCodes;
import dev.sdfarm.converter.cli.UsageException;
import dev.sdfarm.diffusion.clip.ClipTextEncoder;
import dev.sdfarm.diffusion.clip.Conditioning;
import dev.sdfarm.diffusion.clip.PromptConditioner;
import dev.sdfarm.diffusion.clip.PromptConditioning;
import dev.sdfarm.diffusion.cpu.CpuBackend;
import dev.sdfarm.diffusion.text.ClipTokenizer;
import dev.sdfarm.diffusion.text.ExtraNetworkTag;
import dev.sdfarm.diffusion.text.PromptChunker;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sdfarm encode}. */
@Command(name = "encode", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Encode a prompt with an SD1.x checkpoint's CLIP text encoder, as AUTOMATIC1111 does "
                + "(attention weights, BREAK, 75-token chunks, clip skip), and write the conditioning tensor "
                + "to a .safetensors file: 'cond' [1, chunks x 77, 768] ('cond.0', 'cond.1', ... for the parts of "
                + "a composable prompt, a AND b) and, with --negative-prompt, 'uncond'.",
        footer = {"", "Examples:",
            "  sdfarm encode --model sd15.safetensors --prompt 'a photo of a cat' -o cond.safetensors",
            "  sdfarm encode --model sd15.safetensors --prompt '(castle:1.3), night' --negative-prompt blurry \\",
            "      --clip-skip 2 -o cond.safetensors",
            "", "Runs on the CPU. Exit codes: 0 ok, 1 usage, 2 not an SD1.x checkpoint, 4 I/O error."})
public class EncodeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "SD1.x checkpoint (.safetensors or .ckpt).")
    Path model;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The prompt.")
    String prompt;

    @Option(names = "--negative-prompt", paramLabel = "TEXT", description = "Also encode this negative prompt as 'uncond'.")
    String negativePrompt;

    @Option(names = "--clip-skip", defaultValue = "1", paramLabel = "N",
            description = "1 = last layer, 2 = penultimate (A1111's 'Clip skip'). Default: ${DEFAULT-VALUE}.")
    int clipSkip;

    @Option(names = "--no-pad", description = "Keep prompt and negative prompt at their own chunk counts instead of "
            + "padding the shorter with the empty prompt's conditioning.")
    boolean noPad;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT", description = "The .safetensors file to write.")
    Path out;

    @Option(names = "--force", description = "Replace OUT if it exists.")
    boolean force;

    @Option(names = "--threads", paramLabel = "N", description = "CPU threads. Default: all cores.")
    Integer threads;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "1",
            description = "Encode N times and report the first and the median time (for benchmarks).")
    int repeat;

    @Option(names = {"-q", "--quiet"}, description = "No summary.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        if (clipSkip < 1) {
            throw new UsageException("--clip-skip must be 1 or more (1 = last layer), got " + clipSkip);
        }
        if (repeat < 1 || (threads != null && threads < 1)) {
            throw new UsageException("--repeat and --threads must be at least 1");
        }
        if (!out.getFileName().toString().endsWith(".safetensors")) {
            throw new UsageException("-o: the conditioning is written as .safetensors; name the file *.safetensors");
        }
        PromptChunker chunker = new PromptChunker(ClipTokenizer.load());
        try (Checkpoint checkpoint = Checkpoint.open(model);
             CpuBackend cpu = threads == null ? new CpuBackend() : new CpuBackend(threads, CpuBackend.vectorApiPresent())) {
            ClipTextEncoder encoder = ClipTextEncoder.load(cpu, checkpoint);
            if (clipSkip > encoder.config().numLayers()) {
                throw new UsageException("--clip-skip " + clipSkip + " is more than the text encoder's "
                        + encoder.config().numLayers() + " layers");
            }
            PromptConditioner conditioner = new PromptConditioner(chunker, encoder);
            PromptConditioning result = null;
            double[] millis = new double[repeat];
            for (int i = 0; i < repeat; i++) {
                long t0 = System.nanoTime();
                result = conditioner.condition(prompt, negativePrompt, clipSkip, !noPad);
                millis[i] = (System.nanoTime() - t0) / 1e6;
            }
            write(result);
            if (!quiet) {
                report(result, millis, cpu);
            }
        }
        return ExitCodes.OK;
    }

    private void write(PromptConditioning result) throws IOException {
        List<OutputTensor> tensors = new ArrayList<>();
        List<Conditioning> parts = result.parts();
        for (int i = 0; i < parts.size(); i++) {
            tensors.add(tensor(parts.size() == 1 ? "cond" : "cond." + i, parts.get(i)));
        }
        if (result.negative() != null) {
            tensors.add(tensor("uncond", result.negative()));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        if (parts.size() > 1 || parts.getFirst().weight() != 1.0) {
            metadata.put("sdfarm.cond_weights", parts.stream().map(p -> Double.toString(p.weight()))
                    .collect(Collectors.joining(",")));
        }
        metadata.put("sdfarm.prompt", prompt);
        if (negativePrompt != null) {
            metadata.put("sdfarm.negative_prompt", negativePrompt);
        }
        metadata.put("sdfarm.clip_skip", Integer.toString(clipSkip));
        metadata.put("sdfarm.token_count", Integer.toString(result.cond().prompt().tokenCount()));
        metadata.put("sdfarm.model", model.getFileName().toString());
        metadata.put("sdfarm.version", SdfarmVersion.VERSION);
        try (AtomicOutputFile file = AtomicOutputFile.create(out, force, false)) {
            SafetensorsWriter.write(tensors, metadata, file.sink());
            file.commit();
        }
    }

    private static OutputTensor tensor(String name, Conditioning c) {
        ByteBuffer bytes = ByteBuffer.allocate(c.values().length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(c.values());
        return InMemoryTensorData.tensor(name, DType.F32, new long[] {1, c.tokens(), c.hidden()}, bytes.array());
    }

    private static String tokens(Conditioning c) {
        int n = c.prompt().tokenCount();
        return n + (n == 1 ? " token" : " tokens");
    }

    private void report(PromptConditioning result, double[] millis, CpuBackend cpu) {
        StringBuilder sb = new StringBuilder("wrote " + out + ":");
        List<Conditioning> parts = result.parts();
        for (int i = 0; i < parts.size(); i++) {
            Conditioning c = parts.get(i);
            sb.append(String.format(Locale.ROOT, " %s [1, %d, %d] (%s%s)", parts.size() == 1 ? "cond" : "cond." + i,
                    c.tokens(), c.hidden(), tokens(c), c.weight() == 1.0 ? "" : ", weight " + c.weight()));
        }
        if (result.negative() != null) {
            Conditioning uncond = result.negative();
            sb.append(String.format(Locale.ROOT, ", uncond [1, %d, %d] (%s)", uncond.tokens(), uncond.hidden(),
                    tokens(uncond)));
        }
        sb.append(String.format(Locale.ROOT, "; clip skip %d; %.1f ms on %d CPU thread%s", clipSkip, millis[0],
                cpu.threads(), cpu.threads() == 1 ? "" : "s"));
        System.out.println(sb);
        if (millis.length > 1) {
            double[] sorted = millis.clone();
            Arrays.sort(sorted);
            double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                    : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
            System.out.printf(Locale.ROOT, "encode time: first %.1f ms, median %.1f ms of %d%n", millis[0], median,
                    millis.length);
        }
        for (ExtraNetworkTag tag : result.extraNetworks()) {
            System.out.println("note: " + TokenizeCommand.describe(tag) + " is parsed but not applied yet");
        }
    }
}

package dev.sdfarm.converter;

import dev.sdfarm.checkpoint.json.JsonWriter;
import dev.sdfarm.converter.cli.ExitCodes;
import dev.sdfarm.diffusion.text.ChunkedPrompt;
import dev.sdfarm.diffusion.text.ClipTokenizer;
import dev.sdfarm.diffusion.text.ExtraNetworkTag;
import dev.sdfarm.diffusion.text.PromptChunk;
import dev.sdfarm.diffusion.text.PromptChunker;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sdfarm tokenize}. */
@Command(name = "tokenize", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Show the CLIP token ids of a prompt, chunked as AUTOMATIC1111 chunks SD1 prompts: attention "
                + "syntax (x) [x] (x:1.2), BREAK, 75-token chunks with comma backtracking, each framed by BOS 49406 "
                + "and EOS 49407. Text mode prints one array per chunk without the trailing padding; --json prints "
                + "all 77 ids and the attention weight of every position.",
        footer = {"", "Examples:",
            "  sdfarm tokenize 'a photo of a cat'          # [49406, 320, 1125, 539, 320, 2368, 49407]",
            "  sdfarm tokenize '(masterpiece:1.2), a castle BREAK night sky' --json",
            "", "Extra-network tags such as <lora:name:0.8> are taken out of positive prompts and listed."})
public class TokenizeCommand implements Callable<Integer> {
    @Parameters(paramLabel = "TEXT", description = "The prompt.")
    String text;

    @Option(names = "--negative", description = "Treat TEXT as a negative prompt (no extra-network tags).")
    boolean negative;

    @Option(names = "--json", description = "Print JSON: token_count, chunks (tokens, weights), extra_networks (type, name, items).")
    boolean json;

    @Override
    public Integer call() {
        PromptChunker chunker = new PromptChunker(ClipTokenizer.load());
        ChunkedPrompt chunked = negative ? chunker.chunkText(text) : chunker.chunk(text);
        System.out.println(json ? JsonWriter.pretty(toJson(chunked)) : toText(chunked));
        return ExitCodes.OK;
    }

    static String toText(ChunkedPrompt chunked) {
        List<String> lines = new ArrayList<>();
        for (PromptChunk chunk : chunked.chunks()) {
            int[] ids = chunk.tokens();
            int end = ids.length - 1;
            while (end > 1 && ids[end - 1] == ClipTokenizer.EOS) {
                end--; // padding: the chunk's own EOS stays
            }
            int[] shown = Arrays.copyOf(ids, end + 1);
            shown[end] = ClipTokenizer.EOS;
            lines.add(Arrays.toString(shown));
        }
        for (ExtraNetworkTag tag : chunked.extraNetworks()) {
            lines.add("extra network: " + describe(tag) + " (parsed, not applied)");
        }
        return String.join("\n", lines);
    }

    private static Map<String, Object> toJson(ChunkedPrompt chunked) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("token_count", chunked.tokenCount());
        List<Object> chunks = new ArrayList<>();
        for (PromptChunk chunk : chunked.chunks()) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("tokens", Arrays.stream(chunk.tokens()).boxed().toList());
            List<Double> weights = new ArrayList<>();
            for (float w : chunk.multipliers()) {
                weights.add(Double.parseDouble(Float.toString(w))); // 1.2, not 1.2000000476837158
            }
            c.put("weights", weights);
            chunks.add(c);
        }
        root.put("chunks", chunks);
        List<Object> tags = new ArrayList<>();
        for (ExtraNetworkTag tag : chunked.extraNetworks()) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("type", tag.type());
            t.put("name", tag.name());
            t.put("items", tag.items());
            tags.add(t);
        }
        root.put("extra_networks", tags);
        return root;
    }

    static String describe(ExtraNetworkTag tag) {
        return "<" + tag.type() + ":" + tag.items().stream().collect(Collectors.joining(":")) + ">";
    }
}

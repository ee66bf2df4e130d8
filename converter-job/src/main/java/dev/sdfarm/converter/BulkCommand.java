package dev.sdfarm.converter;

import dev.sdfarm.checkpoint.CheckpointFormat;
import dev.sdfarm.checkpoint.Counts;
import dev.sdfarm.checkpoint.json.JsonWriter;
import dev.sdfarm.checkpoint.slim.BulkSlimming;
import dev.sdfarm.checkpoint.slim.BulkSlimming.Outcome;
import dev.sdfarm.checkpoint.slim.BulkSlimming.Status;
import dev.sdfarm.checkpoint.slim.SlimOptions;
import dev.sdfarm.converter.cli.ExitCodes;
import dev.sdfarm.converter.cli.ProgressBar;
import dev.sdfarm.converter.cli.SlimOptionsMixin;
import dev.sdfarm.converter.cli.UsageException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sdfarm bulk}. */
@Command(name = "bulk", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Slim every checkpoint under SRC_DIR (recursively) into DST_DIR, mirroring the folder layout. "
                + "A bad file is reported and the batch goes on. Re-running skips outputs that were already made from "
                + "the same input with the same options.",
        footer = {"", "Examples:",
            "  sdfarm bulk models/ --out slim/ --precision fp16 --ema drop --drop-junk --report slim/report.jsonl",
            "  sdfarm bulk loras/ --out loras-fp16/ --precision fp16 --jobs 2",
            "", "Report: one JSON object per file (file, output, status ok|skipped|failed, sha256_in, sha256_out, "
                + "bytes_in, bytes_out, seconds, error, warnings).",
            "Exit codes: 0 all converted or skipped, 1 usage, 3 some files failed, 4 I/O error."})
public class BulkCommand implements Callable<Integer> {
    @Parameters(paramLabel = "SRC_DIR", description = "Folder to read checkpoints from.")
    Path src;

    @Option(names = "--out", paramLabel = "DST_DIR", required = true, description = "Folder to write outputs to.")
    Path dst;

    @Mixin
    SlimOptionsMixin slim;

    @Option(names = "--jobs", defaultValue = "1", paramLabel = "N",
            description = "Files converted at once. Default: ${DEFAULT-VALUE} (each conversion already uses two threads).")
    int jobs;

    @Option(names = "--report", paramLabel = "FILE", description = "Write a JSON-lines report here.")
    Path report;

    @Option(names = "--force", description = "Replace existing outputs that are not up to date.")
    boolean force;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar and no table.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(src)) {
            throw new UsageException("SRC_DIR " + src + " is not a folder");
        }
        if (jobs < 1 || jobs > 64) {
            throw new UsageException("--jobs must be between 1 and 64");
        }
        CheckpointFormat format = slim.explicitFormat() == null ? CheckpointFormat.SAFETENSORS : slim.explicitFormat();
        SlimOptions opts = slim.toSlimOptions(format);
        List<BulkSlimming.Item> items = BulkSlimming.discover(src, dst, format);
        if (items.isEmpty()) {
            System.err.println("sdfarm: no checkpoints (.safetensors .ckpt .pt .pth .bin) under " + src);
            return ExitCodes.OK;
        }
        Files.createDirectories(dst);
        BufferedWriter reportOut = report == null ? null : Files.newBufferedWriter(report, StandardCharsets.UTF_8);
        List<Outcome> outcomes;
        try (ProgressBar bar = ProgressBar.open("bulk", 0, quiet)) {
            outcomes = BulkSlimming.run(items, opts, force, jobs, bar, o -> {
                if (reportOut != null) {
                    writeLine(reportOut, o);
                }
                if (o.status() == Status.FAILED) {
                    bar.close();
                    System.err.println("sdfarm: " + o.item().relative() + ": " + o.error());
                }
            });
        } finally {
            if (reportOut != null) {
                reportOut.close();
            }
        }
        if (!quiet) {
            System.out.print(table(outcomes));
        }
        return outcomes.stream().anyMatch(o -> o.status() == Status.FAILED) ? ExitCodes.PARTIAL_FAILURE : ExitCodes.OK;
    }

    private static synchronized void writeLine(BufferedWriter w, Outcome o) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", o.item().relative());
        m.put("output", o.item().output().toString());
        m.put("status", o.status().id());
        m.put("sha256_in", o.inputSha256());
        m.put("sha256_out", o.outputSha256());
        m.put("bytes_in", o.inputBytes());
        m.put("bytes_out", o.outputBytes());
        m.put("seconds", Math.round(o.seconds() * 1000) / 1000.0);
        m.put("error", o.error());
        m.put("warnings", o.warnings());
        try {
            w.write(JsonWriter.compact(m));
            w.newLine();
            w.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String table(List<Outcome> outcomes) {
        StringBuilder sb = new StringBuilder();
        int width = Math.max(4, outcomes.stream().mapToInt(o -> o.item().relative().length()).max().orElse(4));
        width = Math.min(width, 60);
        String fmt = "%-" + width + "s  %-7s  %10s  %10s  %6s  %7s%n";
        sb.append(String.format(Locale.ROOT, fmt, "file", "status", "in", "out", "saved", "seconds"));
        long in = 0;
        long out = 0;
        int[] counts = new int[Status.values().length];
        for (Outcome o : outcomes) {
            counts[o.status().ordinal()]++;
            String name = o.item().relative();
            name = name.length() > width ? "…" + name.substring(name.length() - width + 1) : name;
            boolean done = o.status() != Status.FAILED;
            sb.append(String.format(Locale.ROOT, fmt, name, o.status().id(), Counts.bytes(o.inputBytes()),
                    done ? Counts.bytes(o.outputBytes()) : "-", done ? saved(o.inputBytes(), o.outputBytes()) : "-",
                    String.format(Locale.ROOT, "%.1f", o.seconds())));
            if (done) {
                in += o.inputBytes();
                out += o.outputBytes();
            }
        }
        sb.append(String.format(Locale.ROOT, fmt, "total", "", Counts.bytes(in), Counts.bytes(out),
                saved(in, out), ""));
        sb.append(String.format(Locale.ROOT, "%d converted, %d skipped (up to date), %d failed%n",
                counts[Status.OK.ordinal()], counts[Status.SKIPPED.ordinal()], counts[Status.FAILED.ordinal()]));
        return sb.toString();
    }

    private static String saved(long in, long out) {
        return in == 0 ? "-" : String.format(Locale.ROOT, "%.0f%%", 100.0 * (in - out) / in);
    }
}

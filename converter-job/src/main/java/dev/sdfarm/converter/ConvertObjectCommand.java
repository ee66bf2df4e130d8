package dev.sdfarm.converter;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.CheckpointException;
import dev.sdfarm.checkpoint.Counts;
import dev.sdfarm.checkpoint.inspect.CheckpointInspector;
import dev.sdfarm.checkpoint.io.FileHashing;
import dev.sdfarm.checkpoint.json.JsonWriter;
import dev.sdfarm.checkpoint.slim.Progress;
import dev.sdfarm.checkpoint.slim.SlimOptions;
import dev.sdfarm.checkpoint.slim.SlimResult;
import dev.sdfarm.checkpoint.slim.Slimmer;
import dev.sdfarm.converter.cli.ExitCodes;
import dev.sdfarm.converter.cli.ProgressLines;
import dev.sdfarm.converter.cli.SlimOptionsMixin;
import dev.sdfarm.converter.cli.UsageException;
import dev.sdfarm.converter.cli.WorkFolder;
import dev.sdfarm.core.ModelTraits;
import dev.sdfarm.core.store.ObjectInfo;
import dev.sdfarm.core.store.ObjectKeys;
import dev.sdfarm.core.store.ObjectStore;
import dev.sdfarm.core.store.ObjectStores;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.eclipse.microprofile.config.ConfigProvider;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sdfarm convert-object}: {@code convert} for a checkpoint in the object store. */
@Command(name = "convert-object", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Slim one checkpoint that lives in the object store: download it to a temporary folder "
                + "(java.io.tmpdir), convert it exactly as 'convert' does, and store the output under another key "
                + "only once the conversion succeeded. Temporary files are removed in every case.",
        footer = {"", "Examples:",
            "  sdfarm convert-object --store s3://models/farm --source uploads/v1-5.ckpt --output models/v1-5-fp16.safetensors \\",
            "      --precision fp16 --ema drop --drop-junk --result conversions/42.json",
            "", "Standard output: lines 'progress <percent> <phase>' (percent of the whole command, phases download, "
                + "convert, upload; at most two a second), then one line 'result <json>' with source_key, "
                + "source_sha256, output_key, output_sha256, bytes_in, bytes_out, seconds, family, precision, ema "
                + "(ema|no-ema), warnings. Messages for people go to standard error.",
            "S3 stores take the services' settings: sdfarm.store.s3.endpoint, region, path-style, access-key-id, "
                + "secret-access-key (environment: SDFARM_STORE_S3_ENDPOINT, ...).",
            "", "Exit codes: 0 ok, 1 usage (or the output object exists without --force), 2 bad or unsafe input, "
                + "4 I/O error or missing object."})
public class ConvertObjectCommand implements Callable<Integer> {
    private static final int DOWNLOAD_END = 25;
    private static final int CONVERT_END = 90;

    @Option(names = "--store", paramLabel = "LOCATION", required = true,
            description = "The object store: a folder, file:/folder or s3://bucket/prefix.")
    String location;

    @Option(names = "--source", paramLabel = "KEY", required = true, description = "The checkpoint's key.")
    String source;

    @Option(names = "--output", paramLabel = "KEY", required = true,
            description = "The key to store the output under (never the source's).")
    String output;

    @Option(names = "--result", paramLabel = "KEY", description = "Also store the result JSON under this key.")
    String result;

    @Mixin
    SlimOptionsMixin slim;

    @Option(names = "--force", description = "Replace the output object if it exists.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        key("--source", source);
        key("--output", output);
        if (result != null) {
            key("--result", result);
        }
        if (slim.bakeVae() != null) {
            key("--bake-vae", slim.bakeVae());
        }
        if (output.equals(source) || output.equals(slim.bakeVae()) || output.equals(result)) {
            throw new UsageException("--output '" + output + "' is also an input or the result; name another key");
        }
        if (result != null && (result.equals(source) || result.equals(slim.bakeVae()))) {
            throw new UsageException("--result '" + result + "' is also an input; name another key");
        }
        SlimOptions opts = slim.toSlimOptionsFor(fileName(output));
        ProgressLines progress = ProgressLines.toStdout();
        try (ObjectStore store = open(location); WorkFolder work = WorkFolder.create("sdfarm-convert-")) {
            ObjectInfo in = store.stat(source).orElseThrow(() -> missing(store, "source", source, "--source"));
            refuseExistingOutput(store);
            if (slim.bakeVae() != null) {
                store.stat(slim.bakeVae()).orElseThrow(() -> missing(store, "VAE", slim.bakeVae(), "--bake-vae"));
            }

            Progress downloading = progress.phase("download", 0, DOWNLOAD_END);
            downloading.start(source, in.size());
            Path local = work.file("in", fileName(source));
            String sourceSha = download(store, source, local, downloading);
            if (slim.bakeVae() != null) {
                opts = opts.withBakeVae(work.file("vae", fileName(slim.bakeVae())));
                download(store, slim.bakeVae(), opts.bakeVae(), Progress.NONE);
            }

            Path converted = work.file("out", fileName(output));
            SlimResult r = convert(store, local, converted, opts, sourceSha,
                    progress.phase("convert", DOWNLOAD_END, CONVERT_END));
            ModelTraits traits;
            try (Checkpoint cp = Checkpoint.open(converted)) {
                traits = ModelTraits.of(CheckpointInspector.inspect(cp, false, null));
            }

            progress.report(CONVERT_END, "upload");
            refuseExistingOutput(store);
            store.put(output, converted);
            double seconds = (System.nanoTime() - start) / 1e9;
            String json = JsonWriter.compact(resultJson(r, traits, seconds));
            if (result != null) {
                store.put(result, json.getBytes(StandardCharsets.UTF_8));
            }
            progress.report(100, "upload");
            for (String a : r.actions()) {
                System.err.println("  " + a);
            }
            for (String w : r.warnings()) {
                System.err.println("warning: " + w);
            }
            System.err.printf(Locale.ROOT, "stored %s in %s: %s (input %s), sha256 %s, %.1f s%n", output,
                    store.describe(), Counts.bytes(r.outputBytes()), Counts.bytes(r.inputBytes()),
                    r.outputSha256(), seconds);
            System.out.println("result " + json);
        }
        return ExitCodes.OK;
    }

    private Map<String, Object> resultJson(SlimResult r, ModelTraits traits, double seconds) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source_key", source);
        m.put("source_sha256", r.inputSha256());
        m.put("output_key", output);
        m.put("output_sha256", r.outputSha256());
        m.put("bytes_in", r.inputBytes());
        m.put("bytes_out", r.outputBytes());
        m.put("seconds", Math.round(seconds * 1000) / 1000.0);
        m.put("family", traits.family());
        m.put("precision", traits.precision());
        m.put("ema", traits.ema());
        m.put("warnings", r.warnings());
        return m;
    }

    /** The conversion, with errors in the downloaded files attributed to their keys rather than temporary paths. */
    private SlimResult convert(ObjectStore store, Path in, Path out, SlimOptions opts, String sourceSha,
                               Progress progress) throws IOException {
        try {
            return Slimmer.slim(in, out, opts, false, sourceSha, progress);
        } catch (CheckpointException e) {
            boolean vae = opts.bakeVae() != null && opts.bakeVae().toString().equals(e.file());
            String what = vae ? "VAE object '" + slim.bakeVae() + "'" : "source object '" + source + "'";
            throw new CheckpointException(what + " in " + store.describe(), e.getMessage(), e.where(), e.fix(), e);
        }
    }

    private void refuseExistingOutput(ObjectStore store) throws IOException {
        if (!force && store.stat(output).isPresent()) {
            throw new UsageException("output object '" + output + "' already exists in " + store.describe()
                    + "; pass --force to replace it");
        }
    }

    /** Streams the object into {@code target} (bounded memory) and returns its sha256. */
    private static String download(ObjectStore store, String key, Path target, Progress progress)
            throws IOException {
        MessageDigest sha = FileHashing.sha256();
        byte[] buf = new byte[1 << 20];
        try (InputStream in = store.open(key);
             OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
                sha.update(buf, 0, n);
                progress.advance(n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static ObjectStore open(String location) throws IOException {
        try {
            return ObjectStores.open(location, ObjectStores.s3Settings(
                    name -> ConfigProvider.getConfig().getOptionalValue(name, String.class)));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--store: " + e.getMessage());
        }
    }

    private static IOException missing(ObjectStore store, String what, String key, String option) {
        return new IOException(what + " object '" + key + "' not found in " + store.describe() + "; check "
                + option + " (keys are case-sensitive) and --store");
    }

    private static void key(String option, String key) {
        try {
            ObjectKeys.require(key);
        } catch (IllegalArgumentException e) {
            throw new UsageException(option + ": " + e.getMessage());
        }
    }

    private static String fileName(String key) {
        return key.substring(key.lastIndexOf('/') + 1);
    }
}

package dev.sdfarm.gateway.conversion;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for the converter's {@code convert-object} verb in tests, on the JDK alone: it follows the
 * converter's contract (arguments, progress and result lines on stdout, the result JSON at {@code --result},
 * exit codes, a one-line error on stderr) against a file store, so the launcher's process handling is tested
 * with a real child process. It does not slim: the output is the source safetensors file with the options
 * recorded in its metadata (a different file, still a valid checkpoint). A source key containing
 * {@code corrupt} fails with exit 2; one containing {@code slow} waits a minute before it converts.
 */
public final class FakeConverter {
    private FakeConverter() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 9 || !args[0].equals("convert-object")) {
            System.err.println("usage: convert-object --store LOCATION --source KEY --output KEY --result KEY");
            System.exit(1);
        }
        Path store = Path.of(value(args, "--store"));
        String source = value(args, "--source");
        String output = value(args, "--output");
        String resultKey = value(args, "--result");
        List<String> flags = new ArrayList<>(List.of(args).subList(9, args.length));
        System.err.println("WARNING: Using incubator modules: jdk.incubator.vector");
        System.out.println("progress 0 download");
        Path in = store.resolve(source);
        if (!Files.isRegularFile(in)) {
            System.err.println("no object '" + source + "' in file store " + store);
            System.exit(4);
        }
        if (source.contains("corrupt")) {
            System.err.println(source + ": not a safetensors file: header length exceeds the file (byte 0)");
            System.exit(2);
        }
        Path out = store.resolve(output);
        if (Files.exists(out)) {
            System.err.println("output " + output + " exists");
            System.exit(1);
        }
        byte[] src = Files.readAllBytes(in);
        System.out.println("converting " + source + " with " + String.join(" ", flags));
        System.out.println("progress 40 convert");
        if (source.contains("slow")) {
            Thread.sleep(60_000);
        }
        byte[] converted = convert(src, String.join(" ", flags));
        System.out.println("progress 80 upload");
        Files.createDirectories(out.getParent());
        Files.write(out, converted);
        String json = resultJson(source, sha256(src), output, sha256(converted), src.length, converted.length,
                value(args, "--precision"), value(args, "--ema"));
        Path result = store.resolve(resultKey);
        Files.createDirectories(result.getParent());
        Files.writeString(result, json);
        System.out.println("progress 100 upload");
        System.out.println("result " + json);
    }

    /** The source safetensors with {@code fake_converter: note} added to its metadata; data bytes unchanged. */
    public static byte[] convert(byte[] safetensors, String note) {
        ByteBuffer b = ByteBuffer.wrap(safetensors).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = (int) b.getLong(0);
        String header = new String(safetensors, 8, headerLength, StandardCharsets.UTF_8).strip();
        String entry = "\"fake_converter\":\"" + note.replace("\"", "") + "\"";
        Matcher m = Pattern.compile("\"__metadata__\"\\s*:\\s*\\{\\s*").matcher(header);
        if (m.find()) {
            boolean empty = header.charAt(m.end()) == '}';
            header = header.substring(0, m.end()) + entry + (empty ? "" : ",") + header.substring(m.end());
        } else {
            header = "{\"__metadata__\":{" + entry + "}," + header.substring(1);
        }
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        byte[] out = new byte[8 + padded + safetensors.length - 8 - headerLength];
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded);
        System.arraycopy(h, 0, out, 8, h.length);
        for (int i = 8 + h.length; i < 8 + padded; i++) {
            out[i] = ' ';
        }
        System.arraycopy(safetensors, 8 + headerLength, out, 8 + padded, safetensors.length - 8 - headerLength);
        return out;
    }

    public static String resultJson(String source, String sourceSha, String output, String outputSha, long in,
                                    long out, String precision, String ema) {
        return "{\"source_key\":\"" + source + "\",\"source_sha256\":\"" + sourceSha + "\",\"output_key\":\""
                + output + "\",\"output_sha256\":\"" + outputSha + "\",\"bytes_in\":" + in + ",\"bytes_out\":" + out
                + ",\"seconds\":0.5,\"family\":\"sd1\",\"precision\":\"" + precision + "\",\"ema\":\"" + ema
                + "\",\"warnings\":[\"fake converter: nothing was slimmed\"]}";
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String value(String[] args, String name) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return null;
    }
}

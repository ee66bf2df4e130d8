package dev.sdfarm.converter;

import dev.sdfarm.checkpoint.json.JsonWriter;
import dev.sdfarm.checkpoint.json.StrictJson;
import dev.sdfarm.converter.cli.ExitCodes;
import dev.sdfarm.converter.cli.UsageException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.eclipse.microprofile.config.ConfigProvider;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sdfarm request-bulk}: asks the gateway to slim every checkpoint under a store prefix. */
@Command(name = "request-bulk", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Ask the farm's gateway to slim every checkpoint under a prefix of its object store into "
                + "another prefix (POST /v1/conversions/bulk), for a Kubernetes CronJob. The API key comes from "
                + "the environment variable SDFARM_API_KEY and is never printed.",
        footer = {"", "Examples:",
            "  SDFARM_API_KEY=sdf_... sdfarm request-bulk --gateway http://sdfarm-gateway:8080 \\",
            "      --source-prefix uploads/ --dest-prefix models/ --precision fp16 --ema drop --drop-junk",
            "", "Exit codes: 0 accepted, 1 usage, no key, or refused by the gateway (4xx), 3 gateway failure (5xx), "
                + "4 gateway unreachable."})
public class RequestBulkCommand implements Callable<Integer> {
    /** The property behind the environment variable {@code SDFARM_API_KEY}. */
    static final String API_KEY_PROPERTY = "sdfarm.api-key";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(60);
    private static final String PATH = "/v1/conversions/bulk";
    /** More than any answer of the gateway; the rest of a longer one is not read. */
    private static final int MAX_ANSWER_BYTES = 64 * 1024;

    @Option(names = "--gateway", paramLabel = "URL", required = true,
            description = "The gateway's base URL, e.g. http://sdfarm-gateway:8080.")
    String gateway;

    @Option(names = "--source-prefix", paramLabel = "PREFIX", required = true,
            description = "Store prefix to read checkpoints from, e.g. uploads/.")
    String sourcePrefix;

    @Option(names = "--dest-prefix", paramLabel = "PREFIX", required = true,
            description = "Store prefix to write the outputs to, e.g. models/.")
    String destPrefix;

    @Option(names = "--precision", paramLabel = "fp16|bf16|fp32", description = "Cast floating-point tensors.")
    String precision;

    @Option(names = "--ema", paramLabel = "keep|drop|only", description = "What to do with EMA weights.")
    String ema;

    @Option(names = "--drop-junk", description = "Drop training state and known leftovers.")
    boolean dropJunk;

    @Option(names = "--format", paramLabel = "safetensors", description = "Output format.")
    String format;

    @Override
    public Integer call() throws Exception {
        URI endpoint = endpoint(gateway);
        String body = JsonWriter.compact(requestBody());
        String key = ConfigProvider.getConfig().getOptionalValue(API_KEY_PROPERTY, String.class)
                .filter(k -> !k.isBlank())
                .orElseThrow(() -> new UsageException("SDFARM_API_KEY is not set; export an API key of the gateway "
                        + "(operator or admin role) as SDFARM_API_KEY"));
        HttpRequest request = HttpRequest.newBuilder(endpoint)
                .timeout(RESPONSE_TIMEOUT)
                .header("Authorization", "Bearer " + key.strip())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, application/problem+json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build();
        int status;
        String answer;
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER).build()) {
            HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            status = response.statusCode();
            try (InputStream in = response.body()) {
                answer = new String(in.readNBytes(MAX_ANSWER_BYTES), StandardCharsets.UTF_8);
            }
        } catch (HttpConnectTimeoutException e) {
            return unreachable(endpoint, "no connection within " + CONNECT_TIMEOUT.toSeconds() + " s");
        } catch (HttpTimeoutException e) {
            return unreachable(endpoint, "no answer within " + RESPONSE_TIMEOUT.toSeconds() + " s");
        } catch (ConnectException e) {
            return unreachable(endpoint, "connection refused");
        } catch (IOException e) {
            return unreachable(endpoint, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
        return answer(endpoint, status, answer);
    }

    private Map<String, Object> requestBody() {
        Map<String, Object> options = new LinkedHashMap<>();
        if (precision != null) {
            options.put("precision", choice("--precision", precision, "fp16", "bf16", "fp32"));
        }
        if (ema != null) {
            options.put("ema", choice("--ema", ema, "keep", "drop", "only"));
        }
        if (dropJunk) {
            options.put("drop_junk", true);
        }
        if (format != null) {
            options.put("format", choice("--format", format, "safetensors"));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("source_prefix", sourcePrefix);
        body.put("dest_prefix", destPrefix);
        body.put("options", options);
        return body;
    }

    private static int answer(URI endpoint, int status, String body) {
        Map<?, ?> json = jsonObject(body);
        if (status == 202 && json.get("id") instanceof String id && json.get("count") instanceof Number count) {
            long n = count.longValue();
            System.out.println("bulk " + id + " accepted: " + n + (n == 1 ? " conversion" : " conversions"));
            return ExitCodes.OK;
        }
        if (status == 202) {
            System.err.println("sdfarm: " + endpoint + " accepted the request but answered without 'id' and "
                    + "'count': " + oneLine(body));
            return ExitCodes.GATEWAY_FAILURE;
        }
        String problem = problem(json, body);
        if (status >= 400 && status < 500) {
            System.err.println("sdfarm: the gateway refused the bulk request (HTTP " + status + "): " + problem
                    + (status == 401 || status == 403 ? "; check SDFARM_API_KEY" : ""));
            return ExitCodes.USAGE;
        }
        System.err.println("sdfarm: the gateway at " + endpoint + " failed (HTTP " + status + "): " + problem
                + "; try again later or look at the gateway's log");
        return ExitCodes.GATEWAY_FAILURE;
    }

    /** "title: detail" of an RFC 7807 problem body, else the body itself, on one line. */
    private static String problem(Map<?, ?> json, String body) {
        Object title = json.get("title");
        Object detail = json.get("detail");
        if (title instanceof String || detail instanceof String) {
            String t = title instanceof String s ? s : null;
            String d = detail instanceof String s ? s : null;
            return oneLine(t == null ? d : d == null || d.equals(t) ? t : t + ": " + d);
        }
        return body.isBlank() ? "no details" : oneLine(body);
    }

    private static Map<?, ?> jsonObject(String body) {
        try {
            return StrictJson.parse(body.getBytes(StandardCharsets.UTF_8)) instanceof Map<?, ?> m ? m : Map.of();
        } catch (RuntimeException notJson) {
            return Map.of();
        }
    }

    private static String oneLine(String s) {
        String one = s.replaceAll("\\s+", " ").strip();
        return one.length() > 300 ? one.substring(0, 297) + "..." : one;
    }

    private static int unreachable(URI endpoint, String why) {
        System.err.println("sdfarm: cannot reach the gateway at " + endpoint + ": " + why
                + "; check --gateway and that the gateway is running");
        return ExitCodes.IO_ERROR;
    }

    static URI endpoint(String gateway) {
        URI base;
        try {
            base = new URI(gateway.strip());
        } catch (URISyntaxException e) {
            throw new UsageException("--gateway: '" + gateway + "' is not a URL (" + e.getReason() + ")");
        }
        String scheme = base.getScheme() == null ? "" : base.getScheme().toLowerCase(Locale.ROOT);
        if (!List.of("http", "https").contains(scheme) || base.getHost() == null || base.getRawQuery() != null
                || base.getRawFragment() != null || base.getRawUserInfo() != null) {
            throw new UsageException("--gateway: expected the gateway's base URL such as http://sdfarm-gateway:8080, "
                    + "got '" + gateway + "'");
        }
        String path = Optional.ofNullable(base.getRawPath()).orElse("").replaceAll("/+$", "");
        return URI.create(scheme + "://" + base.getRawAuthority() + path + PATH);
    }

    private static String choice(String option, String value, String... allowed) {
        String v = value.toLowerCase(Locale.ROOT);
        if (List.of(allowed).contains(v)) {
            return v;
        }
        throw new UsageException(option + ": '" + value + "' is not one of " + String.join(", ", allowed));
    }
}

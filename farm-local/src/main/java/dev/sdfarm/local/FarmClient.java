package dev.sdfarm.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A small client of the gateway's HTTP APIs (java.net.http and Jackson), for the demo and the end-to-end tests:
 * what a script talking to the farm does, no more.
 */
public final class FarmClient implements AutoCloseable {
    public static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An answer: status code and body (JSON when it parses, else a text node). */
    public record Reply(int status, JsonNode body, Map<String, java.util.List<String>> headers) {
        public JsonNode expect(int... ok) {
            for (int s : ok) {
                if (s == status) {
                    return body;
                }
            }
            throw new IllegalStateException("HTTP " + status + ": " + body);
        }
    }

    private final String baseUrl;
    private final String key;
    private final HttpClient http;

    /** {@code key} null: no credentials (a loopback caller, as a local webui script). */
    public FarmClient(String baseUrl, String key) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.key = key;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    public String baseUrl() {
        return baseUrl;
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofMinutes(30));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return b;
    }

    public Reply get(String path) {
        return send(request(path).GET().build());
    }

    public Reply delete(String path) {
        return send(request(path).DELETE().build());
    }

    public Reply post(String path, Object body) {
        return post(path, body, Map.of());
    }

    public Reply post(String path, Object body, Map<String, String> headers) {
        HttpRequest.Builder b = request(path).header("Content-Type", "application/json");
        headers.forEach(b::header);
        try {
            return send(b.POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public byte[] bytes(String pathOrUrl) {
        String path = pathOrUrl.startsWith("http") ? URI.create(pathOrUrl).getRawPath() : pathOrUrl;
        try {
            HttpResponse<byte[]> r = http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("HTTP " + r.statusCode() + " for " + path);
            }
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Reply send(HttpRequest req) {
        try {
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), parse(r.body()), r.headers().map());
        } catch (IOException e) {
            throw new UncheckedIOException(req.method() + " " + req.uri() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return JSON.nullNode();
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JSON.getNodeFactory().textNode(body);
        }
    }

    /** Registers {@code models/...} in the store; returns the model. */
    public JsonNode registerModel(String storeKey, String name) {
        return post("/v1/models", Map.of("key", storeKey, "name", name)).expect(200, 201);
    }

    /** Queues a native job; returns the job. */
    public JsonNode submit(Map<String, Object> job) {
        return post("/v1/jobs", job).expect(202, 200, 201);
    }

    public JsonNode job(String id) {
        return get("/v1/jobs/" + id).expect(200);
    }

    /**
     * Follows {@code GET /v1/jobs/{id}/events} (server-sent events), handing each job view to {@code each}, until
     * the job ends; returns the last view.
     */
    public JsonNode follow(String id, Consumer<JsonNode> each) {
        HttpRequest req = request("/v1/jobs/" + id + "/events").header("Accept", "text/event-stream").GET().build();
        try {
            HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("HTTP " + r.statusCode() + " for the events of job " + id);
            }
            JsonNode last = null;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                StringBuilder data = new StringBuilder();
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.startsWith("data:")) {
                        data.append(line.substring(5).stripLeading());
                    } else if (line.isEmpty() && !data.isEmpty()) {
                        last = JSON.readTree(data.toString());
                        data.setLength(0);
                        each.accept(last);
                        if (TERMINAL.contains(last.path("state").asText())) {
                            return last;
                        }
                    }
                }
            }
            // The stream ended early (e.g. the gateway went away): the job's current state.
            return job(id);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Polls the job until {@code until} holds or the timeout passes; returns the last view. */
    public JsonNode await(String id, Duration timeout, java.util.function.Predicate<JsonNode> until) {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode j;
        while (true) {
            try {
                j = job(id);
                if (until.test(j)) {
                    return j;
                }
            } catch (UncheckedIOException gatewayDown) {
                j = null;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("job " + id + " did not get there within " + timeout.toSeconds()
                        + " s; last: " + j);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** Polls until the job ends. */
    public JsonNode awaitEnd(String id, Duration timeout) {
        return await(id, timeout, j -> TERMINAL.contains(j.path("state").asText()));
    }

    public static ObjectMapper json() {
        return JSON;
    }

    @Override
    public void close() {
        http.close();
    }
}

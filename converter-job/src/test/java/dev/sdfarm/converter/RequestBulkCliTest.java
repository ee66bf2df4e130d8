package dev.sdfarm.converter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import dev.sdfarm.checkpoint.json.StrictJson;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code sdfarm request-bulk} against a real HTTP server standing in for the gateway. */
@QuarkusMainTest
class RequestBulkCliTest {
    private static final String KEY = "sdf_0123456789abcdef_0123456789abcdef0123456789abcdef";

    /** One request as the server received it. */
    record Received(String method, String path, String authorization, String contentType, String body) {
    }

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private volatile int status;
    private volatile String answer;
    private volatile String answerType;

    @BeforeEach
    void startGateway() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders().getFirst("Authorization"),
                    exchange.getRequestHeaders().getFirst("Content-Type"), new String(body, StandardCharsets.UTF_8)));
            byte[] out = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", answerType);
            exchange.sendResponseHeaders(status, out.length);
            exchange.getResponseBody().write(out);
            exchange.close();
        });
        server.start();
        System.setProperty(RequestBulkCommand.API_KEY_PROPERTY, KEY);
    }

    @AfterEach
    void stopGateway() {
        System.clearProperty(RequestBulkCommand.API_KEY_PROPERTY);
        server.stop(0);
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void answer(int code, String type, String body) {
        status = code;
        answerType = type;
        answer = body;
    }

    private static LaunchResult requestBulk(QuarkusMainLauncher launcher, String gateway, String... options) {
        return launcher.launch(Stream.concat(Stream.of("request-bulk", "--gateway", gateway, "--source-prefix",
                "uploads/", "--dest-prefix", "models/"), Stream.of(options)).toArray(String[]::new));
    }

    private static void assertKeyNeverShown(LaunchResult r) {
        assertFalse(r.getOutput().contains(KEY) || r.getErrorOutput().contains(KEY), "the API key was printed");
    }

    @Test
    void postsTheRequestWithTheKeyAndPrintsTheAcceptedBulk(QuarkusMainLauncher launcher) {
        answer(202, "application/json", "{\"id\":\"3f2a9c1e-5b7d-4e2f-8a1b-0c9d8e7f6a5b\",\"count\":12,\"state\":\"QUEUED\"}");
        LaunchResult r = requestBulk(launcher, url() + "/", "--precision", "fp16", "--ema", "drop", "--drop-junk",
                "--format", "safetensors");
        assertEquals(0, r.exitCode(), r.getErrorOutput());
        assertEquals("bulk 3f2a9c1e-5b7d-4e2f-8a1b-0c9d8e7f6a5b accepted: 12 conversions", r.getOutput().strip());
        assertKeyNeverShown(r);

        assertEquals(1, received.size());
        Received req = received.getFirst();
        assertEquals("POST", req.method());
        assertEquals("/v1/conversions/bulk", req.path());
        assertEquals("Bearer " + KEY, req.authorization());
        assertEquals("application/json", req.contentType());
        assertEquals(Map.of("source_prefix", "uploads/", "dest_prefix", "models/", "options",
                Map.of("precision", "fp16", "ema", "drop", "drop_junk", true, "format", "safetensors")),
                StrictJson.parse(req.body().getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void optionsNotGivenAreLeftOut(QuarkusMainLauncher launcher) {
        answer(202, "application/json", "{\"id\":\"b1\",\"count\":1}");
        LaunchResult r = requestBulk(launcher, url(), "--ema", "keep");
        assertEquals(0, r.exitCode(), r.getErrorOutput());
        assertEquals("bulk b1 accepted: 1 conversion", r.getOutput().strip());
        assertEquals(Map.of("source_prefix", "uploads/", "dest_prefix", "models/", "options", Map.of("ema", "keep")),
                StrictJson.parse(received.getFirst().body().getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aRefusalPrintsTheProblemOnOneLineAndExitsWithOne(QuarkusMainLauncher launcher) {
        answer(400, "application/problem+json", "{\"type\":\"about:blank\",\"title\":\"Bad request\",\"status\":400,"
                + "\"detail\":\"source_prefix 'uploads' must end with '/'\"}");
        LaunchResult r = requestBulk(launcher, url());
        assertEquals(1, r.exitCode());
        String err = r.getErrorOutput().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.contains("HTTP 400") && err.contains("Bad request: source_prefix 'uploads' must end with '/'"),
                err);
        assertEquals("", r.getOutput().strip());
        assertKeyNeverShown(r);
    }

    @Test
    void aGatewayFailureExitsWithThree(QuarkusMainLauncher launcher) {
        answer(500, "application/problem+json", "{\"title\":\"Internal Server Error\",\"status\":500,"
                + "\"detail\":\"the database is unavailable\"}");
        LaunchResult r = requestBulk(launcher, url(), "--precision", "bf16");
        assertEquals(3, r.exitCode());
        assertTrue(r.getErrorOutput().contains("HTTP 500") && r.getErrorOutput().contains("the database is unavailable"),
                r.getErrorOutput());
        assertEquals(1, received.size());
    }

    @Test
    void anAcceptanceWithoutIdAndCountIsAGatewayFailure(QuarkusMainLauncher launcher) {
        answer(202, "text/html", "<html>" + "accepted ".repeat(20_000) + "</html>");
        LaunchResult r = requestBulk(launcher, url());
        assertEquals(3, r.exitCode());
        assertTrue(r.getErrorOutput().contains("without 'id' and 'count'"), r.getErrorOutput());
        assertTrue(r.getErrorOutput().length() < 1000, "one short line, not the whole answer");
    }

    @Test
    void anUnreachableGatewayExitsWithFourNamingTheUrl(QuarkusMainLauncher launcher) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        LaunchResult r = requestBulk(launcher, "http://127.0.0.1:" + port);
        assertEquals(4, r.exitCode());
        assertTrue(r.getErrorOutput().contains("http://127.0.0.1:" + port + "/v1/conversions/bulk"),
                r.getErrorOutput());
        assertKeyNeverShown(r);
    }

    @Test
    void withoutAKeyNothingIsSentAndItExitsWithOne(QuarkusMainLauncher launcher) {
        assumeTrue(System.getenv("SDFARM_API_KEY") == null, "SDFARM_API_KEY is set in this environment");
        System.clearProperty(RequestBulkCommand.API_KEY_PROPERTY);
        answer(202, "application/json", "{\"id\":\"b1\",\"count\":1}");
        LaunchResult r = requestBulk(launcher, url());
        assertEquals(1, r.exitCode());
        assertTrue(r.getErrorOutput().contains("SDFARM_API_KEY is not set"), r.getErrorOutput());
        assertEquals(List.of(), received);
    }

    @Test
    void badArgumentsAreUsageErrorsAndSendNothing(QuarkusMainLauncher launcher) {
        answer(202, "application/json", "{\"id\":\"b1\",\"count\":1}");
        LaunchResult precision = requestBulk(launcher, url(), "--precision", "fp8");
        assertEquals(1, precision.exitCode());
        assertTrue(precision.getErrorOutput().contains("fp16, bf16, fp32"), precision.getErrorOutput());
        LaunchResult gateway = requestBulk(launcher, "sdfarm-gateway:8080");
        assertEquals(1, gateway.exitCode());
        assertTrue(gateway.getErrorOutput().contains("--gateway"), gateway.getErrorOutput());
        assertEquals(List.of(), received);
    }
}

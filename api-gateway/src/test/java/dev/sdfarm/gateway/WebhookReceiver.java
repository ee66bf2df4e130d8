package dev.sdfarm.gateway;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A webhook receiver on loopback: records every call; a path can be made to answer 503 a few times first. */
final class WebhookReceiver implements AutoCloseable {
    /** One call as received, and the status it was answered with. */
    record Call(String path, Map<String, String> headers, String body, int status) {
        String header(String name) {
            return headers.get(name.toLowerCase());
        }
    }

    private final HttpServer server;
    private final Map<String, AtomicInteger> failuresLeft = new ConcurrentHashMap<>();
    private final Map<String, LinkedBlockingQueue<Call>> calls = new ConcurrentHashMap<>();

    WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            byte[] body = exchange.getRequestBody().readAllBytes();
            Map<String, String> headers = new ConcurrentHashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), v.getFirst()));
            AtomicInteger left = failuresLeft.get(path);
            int status = left != null && left.getAndDecrement() > 0 ? 503 : 200;
            queue(path).add(new Call(path, headers, new String(body, StandardCharsets.UTF_8), status));
            byte[] answer = (status == 200 ? "ok" : "try later").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    void failFirst(String path, int times) {
        failuresLeft.put(path, new AtomicInteger(times));
    }

    private LinkedBlockingQueue<Call> queue(String path) {
        return calls.computeIfAbsent(path, p -> new LinkedBlockingQueue<>());
    }

    /** The next {@code n} calls to {@code path}, waiting up to 30 s for them. */
    List<Call> take(String path, int n) throws InterruptedException {
        List<Call> out = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (out.size() < n) {
            Call c = queue(path).poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (c == null) {
                throw new AssertionError("expected " + n + " calls to " + path + ", got " + out);
            }
            out.add(c);
        }
        return out;
    }

    /** Calls to {@code path} not taken yet. */
    List<Call> pending(String path) {
        return new ArrayList<>(queue(path));
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

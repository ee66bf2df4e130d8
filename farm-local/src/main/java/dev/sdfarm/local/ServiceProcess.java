package dev.sdfarm.local;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One packaged Quarkus service (gateway or worker) as a child JVM of {@link LocalFarm}: its output appended to a
 * log file, its pid in a file (so a later start can find one left behind), its standard input the lifeline that
 * {@link ParentWatch} watches, and readiness polled on {@code /q/health/ready}.
 */
final class ServiceProcess {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceProcess.class);
    private static final String START_MARKER = "==== sdfarm";

    private final String name;
    private final Process process;
    private final OutputStream lifeline;
    private final Path log;
    private final Path pidFile;
    private final int httpPort;
    private final Duration stopWait;

    private ServiceProcess(String name, Process process, Path log, Path pidFile, int httpPort, Duration stopWait) {
        this.name = name;
        this.process = process;
        this.lifeline = process.getOutputStream();
        this.log = log;
        this.pidFile = pidFile;
        this.httpPort = httpPort;
        this.stopWait = stopWait;
    }

    /**
     * Starts {@code cmd} with {@code env} added to this JVM's environment and waits until
     * {@code http://127.0.0.1:httpPort/q/health/ready} answers 200.
     */
    static ServiceProcess start(String name, List<String> cmd, Map<String, String> env, Path log, Path pidFile,
                                int httpPort, Duration startTimeout, Duration stopWait) throws IOException {
        stopLeftover(name, pidFile);
        Files.createDirectories(log.getParent());
        Ports.rotateLog(log);
        Files.writeString(log, START_MARKER + " " + Instant.now() + " starting " + name + " (port " + httpPort + ")\n",
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.PIPE);
        pb.environment().putAll(env);
        LOG.info("Starting {} on port {} (log {})", name, httpPort, log);
        Process p = pb.start();
        Files.writeString(pidFile, Long.toString(p.pid()));
        ServiceProcess s = new ServiceProcess(name, p, log, pidFile, httpPort, stopWait);
        try {
            s.awaitReady(startTimeout);
        } catch (IOException | RuntimeException e) {
            s.kill();
            throw e;
        }
        LOG.info("{} ready on port {} (pid {})", name, httpPort, p.pid());
        return s;
    }

    /** A service from an earlier start whose supervisor was killed and that is still shutting down. */
    private static void stopLeftover(String name, Path pidFile) throws IOException {
        if (!Files.exists(pidFile)) {
            return;
        }
        Optional<ProcessHandle> old;
        try {
            old = ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim()))
                    .filter(h -> h.info().commandLine().map(c -> c.contains(ParentWatch.class.getSimpleName()))
                            .orElse(false));
        } catch (NumberFormatException e) {
            old = Optional.empty();
        }
        if (old.isPresent()) {
            ProcessHandle h = old.get();
            LOG.warn("A {} from an earlier start (pid {}) is still running; stopping it", name, h.pid());
            h.destroy();
            try {
                h.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
        Files.deleteIfExists(pidFile);
    }

    private void awaitReady(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        URI ready = URI.create("http://127.0.0.1:" + httpPort + "/q/health/ready");
        String last = "no answer";
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw failure("exited with code " + process.exitValue() + " while starting");
                }
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(5))
                            .build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        return;
                    }
                    last = r.statusCode() + " " + r.body().replaceAll("\\s+", " ");
                } catch (IOException e) {
                    last = e.toString();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for " + name, e);
                }
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for " + name, e);
                }
            }
        }
        throw failure("was not ready within " + timeout.toSeconds() + " s (last answer: " + last + ")");
    }

    private IOException failure(String what) {
        return new IOException(name + " " + what + "; see its log: " + log + "\n" + LocalKafka.diagnosis(log));
    }

    String name() {
        return name;
    }

    int httpPort() {
        return httpPort;
    }

    Path log() {
        return log;
    }

    ProcessHandle handle() {
        return process.toHandle();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM (Quarkus shuts down gracefully), then SIGKILL after the stop wait. */
    void stop() {
        try {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(stopWait.toSeconds(), TimeUnit.SECONDS)) {
                    LOG.warn("{} (pid {}) did not stop within {} s; killing it", name, process.pid(),
                            stopWait.toSeconds());
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            cleanUp();
        }
        LOG.info("{} stopped", name);
    }

    /** SIGKILL, as a crash would end it. */
    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        cleanUp();
    }

    private void cleanUp() {
        try {
            lifeline.close();
        } catch (IOException ignored) {
            // the child is gone
        }
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException ignored) {
            // the next start checks the pid before using it
        }
    }
}

package dev.sdfarm.gateway.conversion;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the converter as a child process of the gateway: at most {@code sdfarm.conversions.local-concurrency} at
 * once, the rest queued in order. Stdout's progress lines become progress, its result line the result; both
 * streams feed the conversion's log tail. A non-zero exit fails the conversion with the exit code's meaning and
 * the converter's last stderr line. Children are killed when the gateway stops.
 */
@ApplicationScoped
@Typed(LocalProcessLauncher.class)
public class LocalProcessLauncher implements JobLauncher {
    private static final Logger LOG = Logger.getLogger(LocalProcessLauncher.class);
    private static final long PROGRESS_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    @Inject
    ConversionConfig config;
    @Inject
    ConversionUpdates updates;
    @Inject
    LocalConverterCommand command;
    @Inject
    StoreEnvironment storeEnv;

    private final Map<UUID, Process> running = new ConcurrentHashMap<>();
    private final Set<UUID> cancelled = ConcurrentHashMap.newKeySet();
    private volatile ExecutorService pool;
    private volatile boolean stopping;

    @Override
    public String name() {
        return "local";
    }

    @Override
    public void launch(LaunchRequest request) {
        pool().execute(() -> run(request));
    }

    @Override
    public void cancel(UUID id) {
        cancelled.add(id);
        Process p = running.get(id);
        if (p != null) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
    }

    /** Children do not outlive the gateway, so a run that was RUNNING is lost; queued ones start again. */
    @Override
    public void recover(List<LaunchRequest> queued, List<UUID> interrupted) {
        for (UUID id : interrupted) {
            updates.failed(id, "the gateway stopped while the converter ran; submit the conversion again", null);
        }
        queued.forEach(this::launch);
    }

    private synchronized ExecutorService pool() {
        if (pool == null) {
            AtomicInteger n = new AtomicInteger();
            pool = Executors.newFixedThreadPool(Math.max(1, config.localConcurrency()),
                    r -> Thread.ofPlatform().name("conversion-" + n.incrementAndGet()).daemon().unstarted(r));
        }
        return pool;
    }

    private void run(LaunchRequest request) {
        UUID id = request.id();
        if (cancelled.remove(id)) {
            updates.failed(id, "cancelled before it started", null);
            return;
        }
        List<String> cmd;
        try {
            cmd = new ArrayList<>(command.resolve());
        } catch (IllegalStateException e) {
            LOG.errorf("conversion %s: %s", id, e.getMessage());
            updates.failed(id, e.getMessage(), null);
            return;
        }
        cmd.addAll(request.converterArgs());
        LogTail tail = new LogTail();
        Process p;
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.PIPE);
            pb.environment().putAll(storeEnv.s3(true));
            p = pb.start();
        } catch (IOException e) {
            updates.failed(id, "cannot start the converter " + cmd.getFirst() + ": " + e.getMessage(), null);
            return;
        }
        running.put(id, p);
        try {
            if (stopping) {
                p.destroyForcibly();
            }
            updates.running(id, null, 1, null);
            LogTail stderr = new LogTail();
            Thread errors = Thread.ofVirtual().name("conversion-stderr-" + id).start(() -> drain(p, tail, stderr));
            ConverterResult result = null;
            String resultProblem = null;
            long lastProgress = 0;
            int lastPercent = -1;
            String lastPhase = null;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    switch (ConverterLine.parse(line)) {
                        case ConverterLine.ProgressLine pl -> {
                            long now = System.nanoTime();
                            if (!pl.phase().equals(lastPhase) || (pl.percent() != lastPercent
                                    && now - lastProgress > PROGRESS_INTERVAL_NANOS)) {
                                updates.progress(id, pl.percent(), pl.phase(), tail.text());
                                lastProgress = now;
                                lastPercent = pl.percent();
                                lastPhase = pl.phase();
                            }
                        }
                        case ConverterLine.ResultLine rl -> {
                            try {
                                result = ConverterResult.parse(rl.json());
                            } catch (IOException e) {
                                resultProblem = e.getMessage();
                            }
                        }
                        case ConverterLine.LogLine ll -> tail.add(ll.text());
                    }
                }
            }
            int code = p.waitFor();
            errors.join(TimeUnit.SECONDS.toMillis(5));
            finish(id, code, result, resultProblem, tail, stderr);
        } catch (IOException e) {
            updates.failed(id, "lost the converter's output: " + e.getMessage(), tail.text());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        } catch (RuntimeException e) {
            if (!stopping) {
                throw e;
            }
            // the gateway is stopping; the next start fails the conversion as interrupted
        } finally {
            running.remove(id);
        }
    }

    private void finish(UUID id, int code, ConverterResult result, String resultProblem, LogTail tail,
                        LogTail stderr) {
        if (cancelled.remove(id)) {
            updates.failed(id, "cancelled", tail.text());
        } else if (code == 0 && result != null) {
            updates.succeeded(id, result, tail.text());
        } else if (code == 0) {
            updates.failed(id, "the converter ended without a valid result line"
                    + (resultProblem != null ? ": " + resultProblem : ""), tail.text());
        } else {
            String message = stderr.lastMessage();
            updates.failed(id, ConverterArguments.exitMeaning(code) + (message != null ? ": " + message : ""),
                    tail.text());
        }
    }

    private static void drain(Process p, LogTail tail, LogTail stderr) {
        try (BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = err.readLine()) != null; ) {
                tail.add(line);
                stderr.add(line);
            }
        } catch (IOException e) {
            // the process ended; what was read is kept
        }
    }

    @PreDestroy
    void stop() {
        stopping = true;
        if (pool != null) {
            pool.shutdownNow();
        }
        for (Process p : running.values()) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (Process p : running.values()) {
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}

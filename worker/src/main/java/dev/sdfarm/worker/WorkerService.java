package dev.sdfarm.worker;

import dev.sdfarm.core.KafkaConnection;
import dev.sdfarm.core.message.Messages;
import dev.sdfarm.core.message.WorkerHeartbeat;
import dev.sdfarm.core.store.ObjectStores;
import dev.sdfarm.core.store.ObjectStore;
import dev.sdfarm.diffusion.cpu.CpuBackend;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Starts the worker's parts (model cache, cancellations, render loop, heartbeats) and stops them in order. */
@ApplicationScoped
public class WorkerService {
    private static final Logger LOG = Logger.getLogger(WorkerService.class);

    @Inject
    WorkerConfig config;
    @Inject
    Config mpConfig;
    @Inject
    StoreConfig storeConfig;
    @Inject
    MeterRegistry metrics;

    private String workerId;
    private String host;
    private ObjectStore store;
    private CpuBackend backend;
    private ModelCache cache;
    private EventSender events;
    private Cancellations cancellations;
    private RenderLoop loop;
    private Thread loopThread;
    private ScheduledExecutorService heartbeats;

    void start(@Observes StartupEvent e) throws IOException {
        host = hostName();
        workerId = config.id().orElse(host + "-" + ProcessHandle.current().pid());
        store = ObjectStores.open(storeConfig.location(), storeConfig.s3());
        backend = config.threads().map(t -> new CpuBackend(t, CpuBackend.vectorApiPresent()))
                .orElseGet(CpuBackend::new);
        cache = new ModelCache(store, backend, Path.of(config.cacheDir()), bytes(config.modelBudget()));
        KafkaConnection kafka = KafkaConnection.fromConfig(name -> mpConfig.getOptionalValue(name, String.class));
        events = new EventSender(kafka, "sdfarm-worker-" + workerId);
        cancellations = new Cancellations(kafka, workerId);
        loop = new RenderLoop(workerId, kafka, config, cache, new Renderer(store), events, cancellations,
                new RenderMetrics(metrics, cache));
        loopThread = Thread.ofPlatform().name("render-loop").start(loop);
        heartbeats = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("heartbeats")
                .daemon().unstarted(r));
        heartbeats.scheduleAtFixedRate(this::beat, 0, config.heartbeatIntervalMs(), TimeUnit.MILLISECONDS);
        LOG.infof("worker %s started: %s backend, %d threads, store %s, model budget %s, batches up to %d images",
                workerId, backend.name(), backend.threads(), store.describe(), config.modelBudget(),
                config.maxBatchImages());
    }

    void stop(@Observes ShutdownEvent e) throws Exception {
        LOG.infof("worker %s stopping (jobs in hand: %s)", workerId, loop.currentJobs());
        loop.stop(Duration.ofSeconds(config.shutdownGraceSeconds()));
        loopThread.join((config.shutdownGraceSeconds() + 30) * 1000L);
        heartbeats.shutdownNow();
        cancellations.close();
        events.close();
        cache.close();
        backend.close();
        LOG.infof("worker %s stopped", workerId);
    }

    private void beat() {
        try {
            Runtime rt = Runtime.getRuntime();
            WorkerHeartbeat hb = new WorkerHeartbeat(WorkerHeartbeat.VERSION, workerId, host, backend.name(),
                    Instant.now(), rt.totalMemory() - rt.freeMemory(), rt.maxMemory(), cache.residentBytes(),
                    cache.residentModels(), loop.currentJobs());
            events.heartbeat(workerId, Messages.toJson(hb));
        } catch (RuntimeException ex) {
            LOG.debugf("heartbeat not sent: %s", ex.getMessage());
        }
    }

    /** "8G", "512M", "1024" (bytes). */
    static long bytes(String size) {
        String s = size.strip().toUpperCase(Locale.ROOT);
        long unit = switch (s.isEmpty() ? ' ' : s.charAt(s.length() - 1)) {
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            case 'T' -> 1L << 40;
            default -> 1;
        };
        String digits = unit == 1 ? s : s.substring(0, s.length() - 1);
        try {
            return Long.parseLong(digits.strip()) * unit;
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException("sdfarm.worker.model-budget: '" + size
                    + "' is not a size (e.g. 8G, 512M)");
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException ex) {
            return ManagementFactory.getRuntimeMXBean().getName();
        }
    }
}

package dev.sdfarm.gateway.conversion;

import dev.sdfarm.core.store.NoSuchObjectException;
import dev.sdfarm.core.store.ObjectStore;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.ScalableResource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.api.model.batch.v1.JobList;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs each conversion as a batch/v1 Job ({@link ConverterJobTemplate}) and follows it with an informer on the
 * Jobs it manages: an active pod means RUNNING (a failed pod with retries left shows as the next attempt), the
 * Complete condition means the result JSON is read from the store and the output registered, the Failed
 * condition fails the conversion with its reason. The running pod's log tail is read every
 * {@code sdfarm.conversions.log-poll} for progress. The client is only touched when this launcher is chosen.
 */
@ApplicationScoped
@Typed(KubernetesJobLauncher.class)
public class KubernetesJobLauncher implements JobLauncher {
    private static final Logger LOG = Logger.getLogger(KubernetesJobLauncher.class);
    private static final Pattern USER = Pattern.compile("User \"([^\"]+)\"");
    private static final int POD_LOG_LINES = LogTail.MAX_LINES;

    @Inject
    Instance<KubernetesClient> clients;
    @Inject
    ConversionConfig config;
    @Inject
    ConversionUpdates updates;
    @Inject
    ObjectStore store;
    @Inject
    StoreEnvironment storeEnv;

    private final Map<UUID, String> running = new ConcurrentHashMap<>();
    private final Map<UUID, LogTail> notes = new ConcurrentHashMap<>();
    private final Map<UUID, Integer> failedPodsSeen = new ConcurrentHashMap<>();
    private final Set<UUID> ending = ConcurrentHashMap.newKeySet();
    private final Set<UUID> cancelled = ConcurrentHashMap.newKeySet();
    private final ExecutorService finisher = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().name("conversion-finisher").daemon().unstarted(r));
    private final ScheduledExecutorService logPoller = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("conversion-logs").daemon().unstarted(r));
    private SharedIndexInformer<Job> informer;
    private String namespace;

    @Override
    public String name() {
        return "kubernetes";
    }

    @Override
    public void launch(LaunchRequest request) {
        UUID id = request.id();
        watch();
        Job job = ConverterJobTemplate.build(id, request.converterArgs(), settings());
        try {
            jobs().resource(job).create();
            LOG.infof("conversion %s: created Job %s/%s", id, namespace(), job.getMetadata().getName());
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                LOG.infof("conversion %s: Job %s exists already; following it", id, job.getMetadata().getName());
                return;
            }
            updates.failed(id, refusal(e, "create", "jobs"), null);
        }
    }

    @Override
    public void cancel(UUID id) {
        cancelled.add(id);
        try {
            jobs().withName(ConverterJobTemplate.jobName(id)).withPropagationPolicy(DeletionPropagation.BACKGROUND)
                    .delete();
        } catch (KubernetesClientException e) {
            updates.failed(id, "cancelled, but " + refusal(e, "delete", "jobs"), null);
        }
    }

    /** Queued conversions get their Job (an existing one is followed); running ones are followed by the informer. */
    @Override
    public void recover(List<LaunchRequest> queued, List<UUID> unfinished) {
        if (queued.isEmpty() && unfinished.isEmpty()) {
            return;
        }
        watch();
        queued.forEach(this::launch);
        SharedIndexInformer<Job> inf = informer;
        if (inf == null) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!inf.hasSynced()) {
            if (System.nanoTime() > deadline) {
                LOG.warnf("the Job informer did not sync in 30 s; unfinished conversions wait for their Jobs' events");
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        for (UUID id : unfinished) {
            if (inf.getStore().getByKey(namespace() + "/" + ConverterJobTemplate.jobName(id)) == null) {
                updates.failed(id, "its Job " + ConverterJobTemplate.jobName(id) + " is gone (deleted, or removed"
                        + " after it ended while no gateway watched); submit the conversion again", null);
            }
        }
    }

    private synchronized void watch() {
        if (informer != null) {
            return;
        }
        try {
            informer = jobs().withLabel(ConverterJobTemplate.MANAGED_BY, ConverterJobTemplate.MANAGER)
                    .inform(new Handler());
            long poll = Math.max(100, config.logPoll().toMillis());
            logPoller.scheduleWithFixedDelay(this::pollLogs, poll, poll, TimeUnit.MILLISECONDS);
            LOG.infof("watching converter Jobs in namespace %s", namespace());
        } catch (KubernetesClientException e) {
            LOG.errorf("cannot watch converter Jobs: %s", refusal(e, "watch", "jobs"));
        }
    }

    private final class Handler implements ResourceEventHandler<Job> {
        @Override
        public void onAdd(Job job) {
            observe(job);
        }

        @Override
        public void onUpdate(Job before, Job job) {
            observe(job);
        }

        @Override
        public void onDelete(Job job, boolean finalStateUnknown) {
            UUID id = idOf(job);
            if (id == null || ending.contains(id)) {
                return;
            }
            running.remove(id);
            String name = job.getMetadata().getName();
            updates.failed(id, cancelled.remove(id) ? "cancelled (Job " + name + " deleted)"
                    : "its Job " + name + " was deleted before it ended", tail(id, null));
        }
    }

    private void observe(Job job) {
        UUID id = idOf(job);
        JobStatus status = job.getStatus();
        if (id == null || status == null || ending.contains(id)) {
            return;
        }
        String name = job.getMetadata().getName();
        int failedPods = status.getFailed() == null ? 0 : status.getFailed();
        JobCondition complete = condition(status, "Complete");
        JobCondition failed = condition(status, "Failed");
        if (complete != null) {
            end(id, () -> succeed(id, name));
        } else if (failed != null) {
            end(id, () -> fail(id, name, failedPods, failed));
        } else if ((status.getActive() != null && status.getActive() > 0) || failedPods > 0) {
            running.put(id, name);
            boolean retried = failedPods > failedPodsSeen.getOrDefault(id, 0);
            if (retried) {
                failedPodsSeen.put(id, failedPods);
                notes.computeIfAbsent(id, k -> new LogTail()).add("attempt " + failedPods + " failed; retrying"
                        + " (backoffLimit " + job.getSpec().getBackoffLimit() + ")");
            }
            updates.running(id, name, failedPods + 1, retried ? tail(id, null) : null);
        }
    }

    private void end(UUID id, Runnable how) {
        if (ending.add(id)) {
            running.remove(id);
            finisher.execute(() -> {
                try {
                    how.run();
                } catch (RuntimeException e) {
                    LOG.errorf(e, "conversion %s: cannot record its end", id);
                } finally {
                    notes.remove(id);
                    failedPodsSeen.remove(id);
                }
            });
        }
    }

    private void succeed(UUID id, String name) {
        String logs = tail(id, podLog(name));
        String key = Conversion.resultKey(id);
        try (InputStream in = store.open(key)) {
            updates.succeeded(id, ConverterResult.parse(in.readAllBytes()), logs);
        } catch (NoSuchObjectException e) {
            updates.failed(id, "the Job " + name + " completed but left no result at " + key, logs);
        } catch (IOException e) {
            updates.failed(id, "cannot read the result " + key + " of Job " + name + ": " + e.getMessage(), logs);
        }
    }

    private void fail(UUID id, String name, int failedPods, JobCondition failed) {
        String podLog = podLog(name);
        LogTail pod = new LogTail();
        if (podLog != null) {
            pod.addAll(podLog);
        }
        String last = pod.lastMessage();
        updates.failed(id, "the Job " + name + " failed after " + Math.max(1, failedPods) + " attempt(s): "
                + failed.getReason() + (failed.getMessage() != null ? " (" + failed.getMessage() + ")" : "")
                + (last != null ? "; last log line: " + last : ""), tail(id, podLog));
    }

    private void pollLogs() {
        for (Map.Entry<UUID, String> e : Map.copyOf(running).entrySet()) {
            try {
                String log = podLog(e.getValue());
                if (log == null) {
                    continue;
                }
                ConverterLine.ProgressLine progress = null;
                for (String line : log.split("\n")) {
                    if (ConverterLine.parse(line) instanceof ConverterLine.ProgressLine p) {
                        progress = p;
                    }
                }
                updates.progress(e.getKey(), progress == null ? -1 : progress.percent(),
                        progress == null ? null : progress.phase(), tail(e.getKey(), log));
            } catch (RuntimeException ex) {
                LOG.debugf("conversion %s: no pod log yet: %s", e.getKey(), ex.getMessage());
            }
        }
    }

    /** The last lines of the Job's newest pod, or null when there is none (yet) or it cannot be read. */
    private String podLog(String jobName) {
        try {
            List<Pod> pods = client().pods().inNamespace(namespace()).withLabel("job-name", jobName).list().getItems();
            return pods.stream()
                    .max(Comparator.comparing(p -> p.getMetadata().getCreationTimestamp() == null ? ""
                            : p.getMetadata().getCreationTimestamp()))
                    .map(p -> client().pods().inNamespace(namespace()).withName(p.getMetadata().getName())
                            .tailingLines(POD_LOG_LINES).getLog())
                    .orElse(null);
        } catch (KubernetesClientException e) {
            LOG.debugf("cannot read the log of Job %s: %s", jobName, e.getMessage());
            return null;
        }
    }

    /** The launcher's notes (retries) followed by the pod's log lines. */
    private String tail(UUID id, String podLog) {
        LogTail t = new LogTail();
        LogTail n = notes.get(id);
        if (n != null && !n.text().isEmpty()) {
            t.addAll(n.text());
        }
        if (podLog != null) {
            t.addAll(podLog);
        }
        return t.text();
    }

    /**
     * What the API server's refusal means: for 403, the permission that is missing and who lacks it (the
     * gateway's service account, as the server names it), so an operator can fix the Role.
     */
    String refusal(KubernetesClientException e, String verb, String resource) {
        if (e.getCode() == 403) {
            Matcher m = USER.matcher(String.valueOf(e.getMessage()));
            String who = m.find() ? m.group(1) : "the gateway's service account";
            return "Kubernetes refused to " + verb + " " + resource + ".batch in namespace " + namespace()
                    + " (403 Forbidden): " + who + " lacks the RBAC permission '" + verb + "' on " + resource
                    + ".batch; bind it a Role that allows create, get, list, watch and delete on jobs.batch and"
                    + " get, list on pods and pods/log";
        }
        return "cannot " + verb + " the converter Job" + (e.getCode() > 0 ? " (HTTP " + e.getCode() + ")" : "")
                + ": " + e.getMessage();
    }

    private ConverterJobTemplate.Settings settings() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SDFARM_STORE_LOCATION", storeEnv.location());
        env.putAll(storeEnv.s3(false));
        ConversionConfig.Resources r = config.resources();
        return new ConverterJobTemplate.Settings(config.image(), config.command(), config.imagePullPolicy(),
                config.serviceAccount(), r.cpuRequest(), r.cpuLimit(), r.memoryRequest(), r.memoryLimit(),
                config.backoffLimit(), config.ttlSecondsAfterFinished(), config.activeDeadlineSeconds(), env,
                config.storeSecret().map(name -> new ConverterJobTemplate.StoreSecret(name,
                        config.storeSecretAccessKeyIdKey(), config.storeSecretSecretAccessKeyKey())));
    }

    private static JobCondition condition(JobStatus status, String type) {
        if (status.getConditions() == null) {
            return null;
        }
        return status.getConditions().stream()
                .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus())).findFirst().orElse(null);
    }

    private static UUID idOf(Job job) {
        Map<String, String> labels = job.getMetadata().getLabels();
        String id = labels == null ? null : labels.get(ConverterJobTemplate.CONVERSION_ID);
        try {
            return id == null ? null : UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private KubernetesClient client() {
        return clients.get();
    }

    private synchronized String namespace() {
        if (namespace == null) {
            namespace = config.namespace().orElseGet(() -> {
                String ns = client().getNamespace();
                return ns == null ? "default" : ns;
            });
        }
        return namespace;
    }

    private MixedOperation<Job, JobList, ScalableResource<Job>> jobsApi() {
        return client().batch().v1().jobs();
    }

    private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<Job, JobList, ScalableResource<Job>> jobs() {
        return jobsApi().inNamespace(namespace());
    }

    @PreDestroy
    void stop() {
        logPoller.shutdownNow();
        finisher.shutdownNow();
        SharedIndexInformer<Job> inf;
        synchronized (this) {
            inf = informer;
        }
        if (inf != null) {
            inf.close();
        }
    }
}

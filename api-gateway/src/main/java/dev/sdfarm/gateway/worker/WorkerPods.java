package dev.sdfarm.gateway.worker;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Lists the worker pods (by label selector, in one namespace) through the Kubernetes API, and keeps a listing
 * for {@code cacheFor}, so a busy view or dashboard costs the API server at most one list per period and
 * instance. A listing that fails is cached too and says why in a warning, never as an exception.
 */
public final class WorkerPods {
    /** GPUs are what the container's limits ask for under this resource name (the NVIDIA device plugin's). */
    public static final String GPU_RESOURCE = "nvidia.com/gpu";
    private static final Logger LOG = Logger.getLogger(WorkerPods.class);

    /** The pods, or no pods and the reason they could not be listed. */
    public record Listing(List<WorkerPod> pods, String warning) {
    }

    private final KubernetesClient client;
    private final String namespace;
    private final String selector;
    private final Duration cacheFor;
    private final Clock clock;
    private Listing cached;
    private Instant cachedAt;
    private String lastWarning;

    public WorkerPods(KubernetesClient client, String namespace, String selector, Duration cacheFor, Clock clock) {
        this.client = client;
        this.namespace = namespace;
        this.selector = selector;
        this.cacheFor = cacheFor;
        this.clock = clock;
    }

    public String namespace() {
        return namespace;
    }

    public synchronized Listing list() {
        Instant now = clock.instant();
        if (cached == null || !now.isBefore(cachedAt.plus(cacheFor))) {
            cached = listNow();
            cachedAt = clock.instant();
            logChange(cached.warning());
        }
        return cached;
    }

    private Listing listNow() {
        try {
            List<Pod> pods = client.pods().inNamespace(namespace).withLabelSelector(selector).list().getItems();
            return new Listing(pods.stream().map(WorkerPods::describe).toList(), null);
        } catch (KubernetesClientException e) {
            String warning = e.getCode() == 403
                    ? "pods: the API server refused to list pods in namespace \"" + namespace + "\" (403 Forbidden);"
                      + " grant the gateway's service account the \"list\" verb on \"pods\" there."
                      + " Workers are shown from their heartbeats only."
                    : "pods: cannot list pods in namespace \"" + namespace + "\" (" + reason(e) + ")."
                      + " Workers are shown from their heartbeats only.";
            return new Listing(List.of(), warning);
        }
    }

    /** Logs a failure when it first happens or changes, and the recovery; not every listing. */
    private void logChange(String warning) {
        if (warning != null && !warning.equals(lastWarning)) {
            LOG.warnf("worker pods not listed: %s", warning);
        } else if (warning == null && lastWarning != null) {
            LOG.infof("worker pods in namespace %s are listed again", namespace);
        }
        lastWarning = warning;
    }

    private static String reason(KubernetesClientException e) {
        if (e.getStatus() != null && e.getStatus().getMessage() != null) {
            return "HTTP " + e.getCode() + ": " + e.getStatus().getMessage();
        }
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return Objects.requireNonNullElse(root.getMessage(), root.getClass().getSimpleName());
    }

    static WorkerPod describe(Pod pod) {
        PodStatus status = pod.getStatus() != null ? pod.getStatus() : new PodStatus();
        int gpus = 0;
        for (Container c : pod.getSpec() != null ? pod.getSpec().getContainers() : List.<Container>of()) {
            if (c.getResources() != null && c.getResources().getLimits() != null) {
                Quantity q = c.getResources().getLimits().get(GPU_RESOURCE);
                gpus += q == null ? 0 : q.getNumericalAmount().intValue();
            }
        }
        int restarts = 0;
        for (ContainerStatus s : Objects.requireNonNullElse(status.getContainerStatuses(), List.<ContainerStatus>of())) {
            restarts += s.getRestartCount() == null ? 0 : s.getRestartCount();
        }
        boolean ready = false;
        for (PodCondition c : Objects.requireNonNullElse(status.getConditions(), List.<PodCondition>of())) {
            ready |= "Ready".equals(c.getType()) && "True".equals(c.getStatus());
        }
        return new WorkerPod(pod.getMetadata().getName(), Objects.requireNonNullElse(status.getPhase(), "Unknown"),
                pod.getSpec() != null ? pod.getSpec().getNodeName() : null, gpus, restarts, ready);
    }
}

package dev.sdfarm.gateway.worker;

import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The farm's workers now: the latest heartbeats, joined on Kubernetes with the worker pods. A heartbeat belongs
 * to the pod named like its worker id (the chart sets the id to the pod name), else to the pod named like its
 * host (a pod's host name is its name). Pods without a heartbeat are listed as STARTING or STOPPED. Off
 * Kubernetes the client is never made.
 */
@ApplicationScoped
public class WorkerDirectory {
    private static final Logger LOG = Logger.getLogger(WorkerDirectory.class);

    /** The workers sorted by id, and what could not be shown (e.g. pods the gateway may not list). */
    public record Snapshot(List<WorkerStatus> workers, List<String> warnings) {
    }

    @Inject
    WorkersConfig config;
    @Inject
    LatestHeartbeats heartbeats;
    @Inject
    Instance<KubernetesClient> kubernetes;

    private WorkerPods pods;

    public Snapshot now() {
        WorkerPods p = pods();
        WorkerPods.Listing listing = p == null ? null : p.list();
        List<WorkerStatus> workers = join(heartbeats.current(), listing == null ? List.of() : listing.pods(),
                Instant.now(), config.staleAfter());
        return new Snapshot(workers, listing == null || listing.warning() == null ? List.of()
                : List.of(listing.warning()));
    }

    private synchronized WorkerPods pods() {
        boolean on = config.kubernetes().orElseGet(() -> System.getenv("KUBERNETES_SERVICE_HOST") != null);
        if (on && pods == null) {
            KubernetesClient client = kubernetes.get();
            String namespace = config.namespace()
                    .orElseGet(() -> Objects.requireNonNullElse(client.getNamespace(), "default"));
            pods = new WorkerPods(client, namespace, config.podSelector(), config.podCache(), Clock.systemUTC());
            LOG.infof("workers are joined with the pods %s in namespace %s", config.podSelector(), namespace);
        }
        return pods;
    }

    static List<WorkerStatus> join(List<LatestHeartbeats.Seen> seen, List<WorkerPod> pods, Instant now,
                                   Duration staleAfter) {
        Map<String, WorkerPod> podsByName = new HashMap<>();
        pods.forEach(p -> podsByName.put(p.name(), p));
        Set<String> joined = new HashSet<>();
        List<WorkerStatus> workers = new ArrayList<>();
        Instant staleBefore = now.minus(staleAfter);
        for (LatestHeartbeats.Seen s : seen) {
            WorkerPod pod = podsByName.get(s.heartbeat().workerId());
            if (pod == null && s.heartbeat().host() != null) {
                pod = podsByName.get(s.heartbeat().host());
            }
            if (pod != null) {
                joined.add(pod.name());
            }
            WorkerState state = s.at().isBefore(staleBefore) ? WorkerState.STALE : WorkerState.ALIVE;
            workers.add(new WorkerStatus(s.heartbeat().workerId(), state, s.at(), s.heartbeat(), pod));
        }
        for (WorkerPod pod : pods) {
            if (!joined.contains(pod.name())) {
                workers.add(new WorkerStatus(pod.name(), pod.ended() ? WorkerState.STOPPED : WorkerState.STARTING,
                        null, null, pod));
            }
        }
        workers.sort(Comparator.comparing(WorkerStatus::id));
        return workers;
    }
}

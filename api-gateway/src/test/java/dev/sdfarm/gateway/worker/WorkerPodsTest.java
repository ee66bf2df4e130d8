package dev.sdfarm.gateway.worker;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pod listing against Fabric8's mock API server (CRUD, plus expectations for the failures). */
@EnableKubernetesMockClient(crud = true)
class WorkerPodsTest {
    static final String NS = "farm";
    static final String SELECTOR = "app.kubernetes.io/component=worker";

    KubernetesMockServer server;
    KubernetesClient client;

    /** A clock the test moves. */
    static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-01-01T12:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** Creates a pod in the mock, then sets its status (the API server ignores a status given at creation). */
    static void createPod(KubernetesClient client, String ns, String name, String component, String node, int gpus,
                          String phase, int restarts, boolean ready) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withNamespace(ns)
                .withLabels(Map.of("app.kubernetes.io/component", component)).endMetadata()
                .withNewSpec().withNodeName(node).addNewContainer().withName("worker").withImage("sdfarm/worker")
                .withNewResources().withLimits(gpus == 0 ? Map.of("memory", new Quantity("8Gi"))
                        : Map.of("memory", new Quantity("8Gi"), WorkerPods.GPU_RESOURCE, new Quantity(String.valueOf(gpus))))
                .endResources().endContainer().endSpec();
        client.pods().inNamespace(ns).resource(b.build()).create();
        client.pods().inNamespace(ns).withName(name).editStatus(p -> new PodBuilder(p).withStatus(new PodStatusBuilder()
                .withPhase(phase)
                .addNewContainerStatus().withName("worker").withRestartCount(restarts).withReady(ready)
                .endContainerStatus()
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition()
                .build()).build());
    }

    @Test
    void describesTheWorkerPodsOfTheSelectorInTheNamespace() {
        createPod(client, NS, "worker-0", "worker", "gpu-node-1", 2, "Running", 3, true);
        createPod(client, NS, "worker-1", "worker", null, 0, "Pending", 0, false);
        createPod(client, NS, "gateway-0", "gateway", "cpu-node", 0, "Running", 0, true);
        createPod(client, "elsewhere", "worker-9", "worker", "gpu-node-2", 1, "Running", 0, true);

        WorkerPods.Listing listing = new WorkerPods(client, NS, SELECTOR, Duration.ZERO, Clock.systemUTC()).list();

        assertNull(listing.warning());
        assertEquals(List.of(new WorkerPod("worker-0", "Running", "gpu-node-1", 2, 3, true),
                        new WorkerPod("worker-1", "Pending", null, 0, 0, false)),
                listing.pods().stream().sorted(Comparator.comparing(WorkerPod::name)).toList());
    }

    @Test
    void oneListingServesRequestsForTheCachePeriod() {
        ManualClock clock = new ManualClock();
        WorkerPods pods = new WorkerPods(client, NS, SELECTOR, Duration.ofSeconds(2), clock);
        createPod(client, NS, "worker-0", "worker", "n", 1, "Running", 0, true);
        assertEquals(1, pods.list().pods().size());
        createPod(client, NS, "worker-1", "worker", "n", 1, "Running", 0, true);
        clock.now = clock.now.plusMillis(1_999);
        assertEquals(1, pods.list().pods().size(), "cached");
        clock.now = clock.now.plusMillis(1);
        assertEquals(2, pods.list().pods().size(), "listed again");
    }

    @Test
    void aRefusedListingIsAWarningNamingTheMissingPermission() throws Exception {
        WorkerPods pods = new WorkerPods(client, NS, SELECTOR, Duration.ZERO, Clock.systemUTC());
        pods.list();
        String path = server.getLastRequest().getPath(); // the list request exactly as the client sends it
        server.expect().get().withPath(path).andReturn(403, new StatusBuilder().withStatus("Failure").withCode(403)
                .withReason("Forbidden").withMessage("pods is forbidden: User \"system:serviceaccount:farm:gateway\""
                        + " cannot list resource \"pods\" in API group \"\" in the namespace \"farm\"").build()).once();

        WorkerPods.Listing listing = pods.list();

        assertEquals(List.of(), listing.pods());
        assertTrue(listing.warning().contains("403") && listing.warning().contains("\"list\" verb on \"pods\"")
                && listing.warning().contains("\"farm\""), listing.warning());
    }

    @Test
    void anyOtherFailureIsAWarningWithTheApiServersReason() throws Exception {
        WorkerPods pods = new WorkerPods(client, NS, SELECTOR, Duration.ZERO, Clock.systemUTC());
        pods.list();
        String path = server.getLastRequest().getPath();
        server.expect().get().withPath(path).andReturn(401, new StatusBuilder().withStatus("Failure").withCode(401)
                .withReason("Unauthorized").withMessage("token has expired").build()).once();

        WorkerPods.Listing listing = pods.list();

        assertEquals(List.of(), listing.pods());
        assertTrue(listing.warning().startsWith("pods: cannot list pods in namespace \"farm\"")
                && listing.warning().contains("HTTP 401: token has expired"), listing.warning());
    }
}

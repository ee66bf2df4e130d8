package dev.sdfarm.gateway;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.response.Response;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.sdfarm.gateway.WorkersApiTest.awaitWorkers;
import static dev.sdfarm.gateway.WorkersApiTest.heartbeat;
import static dev.sdfarm.gateway.WorkersApiTest.lists;
import static dev.sdfarm.gateway.WorkersApiTest.publish;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

/**
 * {@code GET /v1/workers} on Kubernetes: heartbeats joined with the worker pods of Fabric8's mock API server
 * (CRUD, with an expectation for the refused listing).
 */
@QuarkusTest
@TestProfile(KubernetesWorkersTest.OnKubernetes.class)
@WithKubernetesTestServer(crud = true)
@QuarkusTestResource(value = FarmTestResource.class, restrictToAnnotatedClass = false)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubernetesWorkersTest {
    static final String NS = "farm";

    /** Joins pods in namespace {@value NS}, listing them afresh on every request. */
    public static class OnKubernetes implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // Both spellings: application.properties turns it off under %test.
            return Map.of("sdfarm.workers.kubernetes", "true", "%test.sdfarm.workers.kubernetes", "true",
                    "sdfarm.workers.namespace", NS, "sdfarm.workers.pod-cache", "0s");
        }
    }

    @KubernetesTestServer
    KubernetesServer server;

    void createPod(String name, String component, String node, int gpus, String phase, int restarts, boolean ready) {
        KubernetesClient client = server.getClient();
        client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName(name)
                .withLabels(Map.of("app.kubernetes.io/component", component)).endMetadata()
                .withNewSpec().withNodeName(node).addNewContainer().withName("worker").withImage("sdfarm/worker")
                .withNewResources().withLimits(Map.of("nvidia.com/gpu", new Quantity(String.valueOf(gpus))))
                .endResources().endContainer().endSpec().build()).create();
        client.pods().inNamespace(NS).withName(name).editStatus(p -> new PodBuilder(p).withStatus(
                new PodStatusBuilder().withPhase(phase)
                        .addNewContainerStatus().withName("worker").withRestartCount(restarts).withReady(ready)
                        .endContainerStatus()
                        .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition()
                        .build()).build());
    }

    @Test
    @Order(1)
    void joinsHeartbeatsWithTheirPodsAndListsPodsWithoutHeartbeat() throws Exception {
        createPod("worker-5f7c-a", "worker", "gpu-node-1", 1, "Running", 2, true);
        createPod("worker-5f7c-b", "worker", null, 1, "Pending", 0, false);
        createPod("worker-5f7c-c", "worker", "gpu-node-2", 2, "Running", 0, true);
        createPod("gateway-0", "gateway", "cpu-node", 0, "Running", 0, true);
        publish(heartbeat("worker-5f7c-a", "worker-5f7c-a", Instant.now(), List.of(), List.of()));
        // No SDFARM_WORKER_ID: the default id is host and pid, and the pod is found by host name.
        publish(heartbeat("worker-5f7c-c-1", "worker-5f7c-c", Instant.now(), List.of(), List.of()));

        Response r = awaitWorkers(FarmTestResource.ADMIN_KEY, lists("worker-5f7c-a", "worker-5f7c-c-1"));

        String a = "workers.find { it.id == 'worker-5f7c-a' }";
        String b = "workers.find { it.id == 'worker-5f7c-b' }";
        String c = "workers.find { it.id == 'worker-5f7c-c-1' }";
        r.then().body("warnings", empty())
                .body("workers.id", contains("worker-5f7c-a", "worker-5f7c-b", "worker-5f7c-c-1"))
                .body(a + ".state", equalTo("ALIVE"))
                .body(a + ".host", equalTo("worker-5f7c-a"))
                .body(a + ".pod.name", equalTo("worker-5f7c-a"))
                .body(a + ".pod.phase", equalTo("Running"))
                .body(a + ".pod.node", equalTo("gpu-node-1"))
                .body(a + ".pod.gpus", equalTo(1))
                .body(a + ".pod.restarts", equalTo(2))
                .body(a + ".pod.ready", equalTo(true))
                .body(b + ".state", equalTo("STARTING"))
                .body(b + ".last_seen", nullValue())
                .body(b + ".host", nullValue())
                .body(b + ".pod.phase", equalTo("Pending"))
                .body(b + ".pod.ready", equalTo(false))
                .body(c + ".state", equalTo("ALIVE"))
                .body(c + ".pod.name", equalTo("worker-5f7c-c"))
                .body(c + ".pod.gpus", equalTo(2));
        TestFarm.admin().get("/v1/workers?state=starting").then().statusCode(200)
                .body("workers.id", contains("worker-5f7c-b"));
    }

    @Test
    @Order(2)
    void aRefusedPodListingStillShowsHeartbeatsWithAWarning() throws Exception {
        publish(heartbeat("worker-5f7c-d", "worker-5f7c-d", Instant.now(), List.of(), List.of()));
        awaitWorkers(FarmTestResource.ADMIN_KEY, lists("worker-5f7c-d"));
        String path = server.getLastRequest().getPath(); // the pod list, exactly as the gateway asks for it
        server.expect().get().withPath(path).andReturn(403, new StatusBuilder().withStatus("Failure").withCode(403)
                .withReason("Forbidden").withMessage("pods is forbidden: User \"system:serviceaccount:farm:gateway\""
                        + " cannot list resource \"pods\" in API group \"\" in the namespace \"farm\"").build())
                .always();

        TestFarm.admin().get("/v1/workers").then().statusCode(200)
                .body("warnings", contains("pods: the API server refused to list pods in namespace \"farm\" (403"
                        + " Forbidden); grant the gateway's service account the \"list\" verb on \"pods\" there."
                        + " Workers are shown from their heartbeats only."))
                .body("workers.id", hasItem("worker-5f7c-d"))
                .body("workers.id", not(hasItem("worker-5f7c-b")))
                .body("workers.find { it.id == 'worker-5f7c-d' }.pod", nullValue());
    }
}

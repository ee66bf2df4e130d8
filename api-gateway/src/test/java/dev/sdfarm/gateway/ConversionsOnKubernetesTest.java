package dev.sdfarm.gateway;

import dev.sdfarm.gateway.conversion.FakeConverter;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static dev.sdfarm.gateway.ConversionApiTest.await;
import static dev.sdfarm.gateway.ConversionApiTest.checkpoint;
import static dev.sdfarm.gateway.ConversionApiTest.submit;
import static dev.sdfarm.gateway.TestFarm.admin;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Conversions as Kubernetes Jobs against the Fabric8 mock API server in CRUD mode. The mock runs no
 * controllers, so the test plays the Job controller: it sets the Job's status as Kubernetes would, and, for a
 * success, puts the output and result JSON into the store as the converter pod would.
 */
@QuarkusTest
@TestProfile(KubernetesLauncherProfile.class)
@WithKubernetesTestServer(crud = true)
@QuarkusTestResource(value = FarmTestResource.class, restrictToAnnotatedClass = false)
class ConversionsOnKubernetesTest {
    @KubernetesTestServer
    KubernetesServer server;
    @Inject
    KubernetesClient client;

    @Test
    void aJobRunsRetriesSucceedsAndItsOutputIsRegisteredWithLineage() throws Exception {
        Path source = checkpoint("raw/k8s/model.safetensors", 41);
        Response r = submit(Map.of("source", "raw/k8s/model.safetensors", "dest_prefix", "models/k8s/",
                "options", Map.of("precision", "fp16", "ema", "only", "format", "safetensors", "drop_junk", true,
                        "fix_clip", true)));
        r.then().statusCode(202).body("state", equalTo("QUEUED")).body("launcher", equalTo("kubernetes"));
        String id = r.path("id");
        String name = "sdfarm-convert-" + id;
        r.then().body("kubernetes_job", equalTo(name));

        Job job = client.batch().v1().jobs().withName(name).get();
        assertNotNull(job, "the Job is created at submission");
        Map<String, String> labels = job.getMetadata().getLabels();
        assertEquals(id, labels.get("sdfarm.dev/conversion-id"));
        assertEquals("sdfarm-converter", labels.get("app.kubernetes.io/name"));
        assertEquals("sdfarm-gateway", labels.get("app.kubernetes.io/managed-by"));
        assertEquals("sdfarm", labels.get("app.kubernetes.io/part-of"));
        assertEquals(3, job.getSpec().getBackoffLimit());
        assertEquals(3600, job.getSpec().getTtlSecondsAfterFinished());
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        assertEquals(id, job.getSpec().getTemplate().getMetadata().getLabels().get("sdfarm.dev/conversion-id"));
        assertEquals("Never", pod.getRestartPolicy());
        assertEquals("sdfarm-converter", pod.getServiceAccountName());
        assertEquals(Boolean.FALSE, pod.getAutomountServiceAccountToken());
        assertEquals(Boolean.TRUE, pod.getSecurityContext().getRunAsNonRoot());
        var container = pod.getContainers().getFirst();
        assertEquals(KubernetesLauncherProfile.IMAGE, container.getImage());
        assertEquals(List.of("convert-object", "--store", FarmTestResource.storeRoot.toString(),
                "--source", "raw/k8s/model.safetensors", "--output", "models/k8s/model-fp16-ema-only.safetensors",
                "--result", "conversions/" + id + "/result.json", "--precision", "fp16", "--ema", "only",
                "--format", "safetensors", "--drop-junk", "--fix-clip"), container.getArgs());
        assertTrue(container.getCommand() == null || container.getCommand().isEmpty(), "the image's entrypoint");
        assertEquals(Boolean.TRUE, container.getSecurityContext().getReadOnlyRootFilesystem());
        assertEquals(Boolean.FALSE, container.getSecurityContext().getAllowPrivilegeEscalation());
        assertEquals(List.of("ALL"), container.getSecurityContext().getCapabilities().getDrop());
        assertEquals("/tmp", container.getVolumeMounts().getFirst().getMountPath());
        Map<String, EnvVar> env = container.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
        assertEquals(FarmTestResource.storeRoot.toString(), env.get("SDFARM_STORE_LOCATION").getValue());
        EnvVar secret = env.get("SDFARM_STORE_S3_SECRET_ACCESS_KEY");
        assertNull(secret.getValue(), "credentials only by reference");
        assertEquals("sdfarm-s3", secret.getValueFrom().getSecretKeyRef().getName());
        assertEquals("secret-access-key", secret.getValueFrom().getSecretKeyRef().getKey());
        assertEquals("2Gi", container.getResources().getLimits().get("memory").toString());

        setStatus(name, new JobStatusBuilder().withActive(1).build());
        await(id, v -> "RUNNING".equals(v.path("state"))).then().body("attempts", equalTo(1));

        // The pod's log tail is read for progress (the mock serves the log the converter would print).
        String podName = name + "-abcde";
        client.pods().resource(new PodBuilder().withNewMetadata().withName(podName)
                .addToLabels("job-name", name).endMetadata().build()).create();
        server.expect().get().withPath("/api/v1/namespaces/" + client.getNamespace() + "/pods/" + podName
                        + "/log?pretty=false&tailLines=50")
                .andReturn(200, "progress 10 download\nread 35 MB\nprogress 55 convert\n").always();
        await(id, v -> Integer.valueOf(55).equals(v.path("progress.percent"))).then()
                .body("progress.phase", equalTo("convert")).body("log_tail", hasItem("read 35 MB"));

        // The first pod failed, the Job controller starts another (backoffLimit 3): a second attempt.
        setStatus(name, new JobStatusBuilder().withActive(1).withFailed(1).build());
        await(id, v -> Integer.valueOf(2).equals(v.path("attempts"))).then().body("state", equalTo("RUNNING"))
                .body("log_tail", hasItem(containsString("attempt 1 failed; retrying (backoffLimit 3)")));

        // The converter pod's work: output and result JSON in the store; then the Job completes.
        byte[] src = Files.readAllBytes(source);
        byte[] out = FakeConverter.convert(src, "k8s");
        Path outFile = FarmTestResource.storeRoot.resolve("models/k8s/model-fp16-ema-only.safetensors");
        Files.createDirectories(outFile.getParent());
        Files.write(outFile, out);
        String srcSha = FakeConverter.sha256(src);
        String outSha = FakeConverter.sha256(out);
        Path result = FarmTestResource.storeRoot.resolve("conversions/" + id + "/result.json");
        Files.createDirectories(result.getParent());
        Files.writeString(result, FakeConverter.resultJson("raw/k8s/model.safetensors", srcSha,
                "models/k8s/model-fp16-ema-only.safetensors", outSha, src.length, out.length, "fp16", "only"));
        setStatus(name, new JobStatusBuilder().withActive(0).withFailed(1).withSucceeded(1)
                .withConditions(condition("Complete", null, null)).build());
        await(id, v -> "SUCCEEDED".equals(v.path("state"))).then()
                .body("result.source_sha256", equalTo(srcSha))
                .body("result.output_sha256", equalTo(outSha))
                .body("result.bytes_saved", equalTo(src.length - out.length))
                .body("model.sha256", equalTo(outSha))
                .body("model.lineage.source_sha256", equalTo(srcSha))
                .body("model.lineage.conversion_id", equalTo(id))
                .body("attempts", equalTo(2));
        admin().get("/v1/models").then().statusCode(200)
                .body("find { it.sha256 == '" + outSha + "' }.lineage.conversion_id", equalTo(id));
    }

    @Test
    void aFailedJobFailsTheConversionWithItsReason() throws Exception {
        checkpoint("raw/k8s/doomed.safetensors", 42);
        String id = submit(Map.of("source", "raw/k8s/doomed.safetensors", "dest_prefix", "models/k8s/"))
                .then().statusCode(202).extract().path("id");
        String name = "sdfarm-convert-" + id;
        setStatus(name, new JobStatusBuilder().withActive(1).build());
        await(id, v -> "RUNNING".equals(v.path("state")));
        setStatus(name, new JobStatusBuilder().withActive(0).withFailed(4).withConditions(condition("Failed",
                "BackoffLimitExceeded", "Job has reached the specified backoff limit")).build());
        await(id, v -> "FAILED".equals(v.path("state"))).then()
                .body("error", containsString("failed after 4 attempt(s)"))
                .body("error", containsString("BackoffLimitExceeded"))
                .body("error", containsString("Job has reached the specified backoff limit"))
                .body("result", org.hamcrest.Matchers.nullValue());
    }

    @Test
    void aForbiddenJobCreationFailsNamingThePermissionAndTheServiceAccount() throws Exception {
        checkpoint("raw/k8s/forbidden.safetensors", 43);
        String ns = client.getNamespace();
        Status forbidden = new StatusBuilder().withStatus("Failure").withReason("Forbidden").withCode(403)
                .withMessage("jobs.batch is forbidden: User \"system:serviceaccount:" + ns + ":sdfarm-gateway\""
                        + " cannot create resource \"jobs\" in API group \"batch\" in the namespace \"" + ns + "\"")
                .build();
        server.expect().post().withPath("/apis/batch/v1/namespaces/" + ns + "/jobs").andReturn(403, forbidden)
                .once();
        Response r = submit(Map.of("source", "raw/k8s/forbidden.safetensors", "dest_prefix", "models/k8s/"));
        r.then().statusCode(202).body("state", equalTo("FAILED"))
                .body("error", containsString("403 Forbidden"))
                .body("error", containsString("system:serviceaccount:" + ns + ":sdfarm-gateway"))
                .body("error", containsString("'create' on jobs.batch"));
        assertNull(client.batch().v1().jobs().withName("sdfarm-convert-" + r.path("id")).get());
    }

    private void setStatus(String name, JobStatus status) {
        client.batch().v1().jobs().withName(name).editStatus(j -> new JobBuilder(j).withStatus(status).build());
    }

    private static JobCondition condition(String type, String reason, String message) {
        return new JobConditionBuilder().withType(type).withStatus("True").withReason(reason).withMessage(message)
                .build();
    }
}

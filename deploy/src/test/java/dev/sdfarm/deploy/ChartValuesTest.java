package dev.sdfarm.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.sdfarm.deploy.ChartScenariosTest.env;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Values reach the rendered resources: GPUs, the bulk CronJob, the optional parts, and refusals of bad combinations. */
class ChartValuesTest {
    private static final String GPU = "nvidia.com/gpu";

    @Test
    void workersAskForTheGpusOfTheirValues() throws Exception {
        Path scenario = Chart.scenario("gpu-workers");
        PodSpec pod = workerPod(Chart.render(scenario));
        Map<String, Quantity> limits = pod.getContainers().getFirst().getResources().getLimits();
        assertEquals(new Quantity(String.valueOf(Chart.value(scenario, "worker.gpu.count"))), limits.get(GPU));
        assertEquals("nvidia", pod.getRuntimeClassName());
        assertEquals("true", pod.getNodeSelector().get("nvidia.com/gpu.present"));
        assertEquals(GPU, pod.getTolerations().getFirst().getKey());

        Map<String, Quantity> three = workerPod(Chart.render(null, "worker.gpu.count", 3)).getContainers().getFirst()
                .getResources().getLimits();
        assertEquals(new Quantity("3"), three.get(GPU));
    }

    @Test
    void cpuWorkersAskForNoGpu() {
        Map<String, Quantity> limits = workerPod(Chart.render(Chart.scenario("minimal"))).getContainers().getFirst()
                .getResources().getLimits();
        assertFalse(limits.containsKey(GPU), "limits " + limits);
        assertTrue(limits.containsKey("memory"));
    }

    @Test
    void modelCacheIsAnEmptyDirWithALimitOrTheGivenClaim() {
        PodSpec defaults = workerPod(Chart.render(null));
        var cache = defaults.getVolumes().stream().filter(v -> v.getName().equals("model-cache")).findFirst().orElseThrow();
        assertEquals(new Quantity("40Gi"), cache.getEmptyDir().getSizeLimit());
        assertEquals("/var/cache/sdfarm", env(defaults.getContainers().getFirst()).get("SDFARM_WORKER_CACHE_DIR").getValue());

        PodSpec claimed = workerPod(Chart.render(Chart.scenario("external-s3")));
        var claim = claimed.getVolumes().stream().filter(v -> v.getName().equals("model-cache")).findFirst().orElseThrow();
        assertEquals("sdfarm-model-cache", claim.getPersistentVolumeClaim().getClaimName());
        assertNull(claim.getEmptyDir());
    }

    @Test
    void bulkCronJobRunsRequestBulkWithTheScheduleAndOptionsOfItsValues() throws Exception {
        Path scenario = Chart.scenario("external-s3");
        CronJob cron = Chart.named(Chart.render(scenario), CronJob.class, "bulk-convert");
        assertEquals(Chart.value(scenario, "converter.bulk.schedule"), cron.getSpec().getSchedule());
        assertEquals("Forbid", cron.getSpec().getConcurrencyPolicy());
        Container c = cron.getSpec().getJobTemplate().getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertEquals("registry.example.com/sdfarm/converter:0.1.0-rc1", c.getImage());
        List<String> expected = new ArrayList<>(List.of("request-bulk",
                "--gateway", "http://farm-sdfarm-gateway:8080",
                "--source-prefix", (String) Chart.value(scenario, "converter.bulk.sourcePrefix"),
                "--dest-prefix", (String) Chart.value(scenario, "converter.bulk.destPrefix"),
                "--precision", (String) Chart.value(scenario, "converter.bulk.precision"),
                "--ema", (String) Chart.value(scenario, "converter.bulk.ema")));
        assertEquals(Boolean.FALSE, Chart.value(scenario, "converter.bulk.dropJunk"));
        assertEquals(expected, c.getArgs());
        var key = env(c).get("SDFARM_API_KEY").getValueFrom().getSecretKeyRef();
        assertEquals("sdfarm-operator", key.getName());
        assertEquals("key", key.getKey());

        // The defaults: fp16, EMA dropped, junk dropped.
        Container nightly = Chart.named(Chart.render(Chart.scenario("keda")), CronJob.class, "bulk-convert")
                .getSpec().getJobTemplate().getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertEquals(List.of("request-bulk", "--gateway", "http://farm-sdfarm-gateway:8080", "--source-prefix",
                "incoming/", "--dest-prefix", "models/", "--precision", "fp16", "--ema", "drop", "--drop-junk"),
                nightly.getArgs());
    }

    @Test
    void noCronJobUnlessBulkSlimmingIsOn() {
        assertEquals(List.of(), Chart.ofType(Chart.render(Chart.scenario("minimal")), CronJob.class));
    }

    @Test
    void bulkSlimmingWithoutAnOperatorKeySecretIsRefused() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Chart.template(null, "converter.bulk.enabled", true));
        assertTrue(e.getMessage().contains("converter.bulk.apiKey.existingSecret is required"), e.getMessage());
    }

    @Test
    void gatewayGetsItsConversionLauncherSettings() {
        Container gw = gatewayPod(Chart.render(null)).getContainers().getFirst();
        var env = env(gw);
        assertEquals("kubernetes", env.get("SDFARM_CONVERSIONS_LAUNCHER").getValue());
        assertEquals("sdfarm/converter:0.1.0", env.get("SDFARM_CONVERSIONS_IMAGE").getValue());
        assertEquals(Chart.NAMESPACE, env.get("SDFARM_CONVERSIONS_NAMESPACE").getValue());
        assertEquals("farm-sdfarm-converter", env.get("SDFARM_CONVERSIONS_SERVICE_ACCOUNT").getValue());
        assertEquals("8080", env.get("SDFARM_GATEWAY_PORT").getValue());
        assertFalse(env.containsKey("SDFARM_A1111_PORT"));
    }

    @Test
    void converterJobsGetTheS3SecretByNameOnlyWhenThereIsOne() {
        var env = env(gatewayPod(Chart.render(Chart.scenario("external-s3"))).getContainers().getFirst());
        assertEquals("sdfarm-s3", env.get("SDFARM_CONVERSIONS_STORE_SECRET").getValue());
        assertEquals("access-key-id", env.get("SDFARM_CONVERSIONS_STORE_SECRET_ACCESS_KEY_ID_KEY").getValue());
        assertEquals("secret-access-key",
                env.get("SDFARM_CONVERSIONS_STORE_SECRET_SECRET_ACCESS_KEY_KEY").getValue());
        var minimal = env(gatewayPod(Chart.render(Chart.scenario("minimal"))).getContainers().getFirst());
        assertFalse(minimal.containsKey("SDFARM_CONVERSIONS_STORE_SECRET"), "no Secret: the default chain");
    }

    @Test
    void theWorkersViewSelectsThisReleasesWorkerPodsOnly() {
        List<HasMetadata> objects = Chart.render(null);
        var env = env(gatewayPod(objects).getContainers().getFirst());
        assertEquals(Chart.NAMESPACE, env.get("SDFARM_WORKERS_NAMESPACE").getValue());
        Map<String, String> selector = new java.util.HashMap<>();
        for (String term : env.get("SDFARM_WORKERS_POD_SELECTOR").getValue().split(",")) {
            String[] kv = term.split("=", 2);
            selector.put(kv[0], kv[1]);
        }
        Map<String, String> workerLabels = Chart.named(objects, Deployment.class, "worker").getSpec().getTemplate()
                .getMetadata().getLabels();
        assertTrue(workerLabels.entrySet().containsAll(selector.entrySet()), selector + " vs " + workerLabels);
        Map<String, String> gatewayLabels = Chart.named(objects, Deployment.class, "gateway").getSpec().getTemplate()
                .getMetadata().getLabels();
        assertFalse(gatewayLabels.entrySet().containsAll(selector.entrySet()), "gateway pods are not workers");
        assertEquals(Chart.RELEASE, selector.get("app.kubernetes.io/instance"), "another release's workers stay out");
    }

    @Test
    void webuiPortIngressAndAutoscalerComeWithTheirValues() {
        List<HasMetadata> objects = Chart.render(Chart.scenario("gpu-workers"));
        Service svc = Chart.named(objects, Service.class, "gateway");
        assertEquals(List.of("http:8080", "a1111:7860"),
                svc.getSpec().getPorts().stream().map(ChartValuesTest::port).toList());
        var env = env(gatewayPod(objects).getContainers().getFirst());
        assertEquals("7860", env.get("SDFARM_A1111_PORT").getValue());
        assertEquals("0.0.0.0", env.get("SDFARM_A1111_HOST").getValue());

        Ingress ingress = Chart.named(objects, Ingress.class, "gateway");
        assertEquals("sdfarm.example.com", ingress.getSpec().getRules().getFirst().getHost());
        assertEquals("sdfarm-tls", ingress.getSpec().getTls().getFirst().getSecretName());
        HorizontalPodAutoscaler hpa = Chart.named(objects, HorizontalPodAutoscaler.class, "gateway");
        assertEquals(5, hpa.getSpec().getMaxReplicas());
        assertNull(Chart.named(objects, Deployment.class, "gateway").getSpec().getReplicas());

        List<HasMetadata> minimal = Chart.render(Chart.scenario("minimal"));
        assertEquals(List.of("http:8080"), Chart.named(minimal, Service.class, "gateway").getSpec().getPorts()
                .stream().map(ChartValuesTest::port).toList());
        assertEquals(List.of(), Chart.ofType(minimal, Ingress.class));
        assertEquals(List.of(), Chart.ofType(minimal, HorizontalPodAutoscaler.class));
    }

    @Test
    void s3KeysAndKafkaSaslComeFromTheirSecrets() {
        List<HasMetadata> objects = Chart.render(Chart.scenario("external-s3"));
        for (PodSpec pod : List.of(gatewayPod(objects), workerPod(objects))) {
            var env = env(pod.getContainers().getFirst());
            assertEquals("s3://renders/farm", env.get("SDFARM_STORE_LOCATION").getValue());
            assertEquals("http://minio.storage:9000", env.get("SDFARM_STORE_S3_ENDPOINT").getValue());
            assertEquals("true", env.get("sdfarm.store.s3.path-style").getValue());
            assertEquals("sdfarm-s3", env.get("AWS_ACCESS_KEY_ID").getValueFrom().getSecretKeyRef().getName());
            assertEquals("secret-access-key",
                    env.get("AWS_SECRET_ACCESS_KEY").getValueFrom().getSecretKeyRef().getKey());
            assertEquals("SASL_SSL", env.get("KAFKA_SECURITY_PROTOCOL").getValue());
            assertEquals("SCRAM-SHA-512", env.get("KAFKA_SASL_MECHANISM").getValue());
            assertEquals("sasl.jaas.config",
                    env.get("KAFKA_SASL_JAAS_CONFIG").getValueFrom().getSecretKeyRef().getKey());
        }
    }

    @Test
    void saslWithoutAJaasSecretIsRefused() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Chart.template(null, "config.kafka.sasl.mechanism", "SCRAM-SHA-512"));
        assertTrue(e.getMessage().contains("config.kafka.sasl.existingSecret"), e.getMessage());
    }

    @Test
    void terminationGraceThatCutsTheWorkersStopShortIsRefused() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Chart.template(null, "worker.shutdownGraceSeconds", 90));
        assertTrue(e.getMessage().contains("worker.terminationGracePeriodSeconds (120) must exceed"), e.getMessage());
    }

    @Test
    void pdbCanBeLeftOut() {
        assertEquals(List.of(), Chart.ofType(Chart.render(null, "worker.pdb.create", false),
                PodDisruptionBudget.class));
    }

    @Test
    void helmTestPodChecksHealthThenSubmitsAJobWithAKeyFromASecret() throws Exception {
        Pod pod = single(Chart.renderTestHooks("config.auth.bootstrapAdminKey.existingSecret", "sdfarm-admin"));
        Container c = pod.getSpec().getContainers().getFirst();
        assertEquals("docker.io/curlimages/curl:8.11.1", c.getImage());
        assertEquals("Never", pod.getSpec().getRestartPolicy());
        String script = String.join("\n", c.getArgs());
        assertTrue(script.indexOf("/q/health/ready") < script.indexOf("/v1/jobs"), script);
        assertTrue(script.matches("(?s).*steps\\W{1,4}:1,.*"), "not a one-step job: " + script);
        var env = env(c);
        assertEquals("http://farm-sdfarm-gateway:8080", env.get("GATEWAY").getValue());
        var key = env.get("SDFARM_API_KEY").getValueFrom().getSecretKeyRef();
        assertEquals(List.of("sdfarm-admin", "admin-key"), List.of(key.getName(), key.getKey()));
        assertEquals(Boolean.TRUE, c.getSecurityContext().getReadOnlyRootFilesystem());
        assertEquals(Boolean.FALSE, c.getSecurityContext().getAllowPrivilegeEscalation());
        assertTrue(c.getResources().getLimits().containsKey("memory"));

        var own = env(single(Chart.renderTestHooks("tests.apiKey.existingSecret", "sdfarm-tester")).getSpec()
                .getContainers().getFirst()).get("SDFARM_API_KEY").getValueFrom().getSecretKeyRef();
        assertEquals(List.of("sdfarm-tester", "api-key"), List.of(own.getName(), own.getKey()));
        assertFalse(env(single(Chart.renderTestHooks()).getSpec().getContainers().getFirst())
                .containsKey("SDFARM_API_KEY"), "no key Secret configured, yet the test pod reads one");
    }

    @Test
    void theValuesExampleOfTheProjectReadmeRenders() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int section = readme.indexOf("## Deploy on Kubernetes");
        assertTrue(section >= 0, "README.md has no 'Deploy on Kubernetes' section");
        int start = readme.indexOf("```yaml\n", section) + "```yaml\n".length();
        Path values = Files.createTempFile("readme-values-", ".yaml");
        try {
            Files.writeString(values, readme.substring(start, readme.indexOf("```", start)));
            List<HasMetadata> objects = Chart.render(values);
            assertEquals(new Quantity("1"), workerPod(objects).getContainers().getFirst().getResources().getLimits()
                    .get(GPU));
            assertEquals("0 3 * * *", Chart.named(objects, CronJob.class, "bulk-convert").getSpec().getSchedule());
        } finally {
            Files.delete(values);
        }
    }

    private static Pod single(List<HasMetadata> hooks) {
        assertEquals(1, hooks.size(), "helm test hooks: " + hooks);
        return (Pod) hooks.getFirst();
    }

    private static String port(ServicePort p) {
        return p.getName() + ":" + p.getPort();
    }

    private static PodSpec workerPod(List<HasMetadata> objects) {
        return Chart.named(objects, Deployment.class, "worker").getSpec().getTemplate().getSpec();
    }

    private static PodSpec gatewayPod(List<HasMetadata> objects) {
        return Chart.named(objects, Deployment.class, "gateway").getSpec().getTemplate().getSpec();
    }
}

package dev.sdfarm.deploy;

import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every ci/ scenario must give: a clean lint, typed resources, and the chart's invariants in all of them. */
class ChartScenariosTest {
    /** Names of variables that carry credentials; such a variable must never have a literal value. */
    private static final Pattern CREDENTIAL = Pattern.compile("PASSWORD|SECRET|KEY|JAAS|TOKEN|^SDFARM_DB_USER$");

    static List<Path> scenarios() {
        return Chart.scenarios();
    }

    @Test
    void theFourScenariosExist() {
        assertEquals(List.of("external-s3-values.yaml", "gpu-workers-values.yaml", "keda-values.yaml",
                        "minimal-values.yaml"),
                scenarios().stream().map(p -> p.getFileName().toString()).toList());
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void lintsStrictly(Path scenario) throws Exception {
        LintResult result = Chart.lint(scenario);
        assertFalse(result.isFailed(), () -> scenario + ": helm lint --strict failed: " + result.getMessages());
        // --strict turns warnings into failures; only INFO lines (the missing icon) may remain.
        assertTrue(result.getMessages().stream().allMatch(m -> m.startsWith("[INFO]")),
                () -> scenario + ": " + result.getMessages());
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void rendersKnownKindsAsTypedObjects(Path scenario) {
        List<HasMetadata> objects = Chart.render(scenario);
        assertTrue(objects.size() >= 8, () -> scenario + " rendered only " + objects.size() + " objects");
        for (HasMetadata o : objects) {
            boolean generic = o instanceof GenericKubernetesResource;
            assertEquals(o.getKind().equals("ScaledObject"), generic,
                    () -> o.getKind() + " " + o.getMetadata().getName() + " parsed as " + o.getClass());
            assertEquals(Chart.NAMESPACE, o.getMetadata().getNamespace(), () -> o.getKind() + " namespace");
            assertEquals("farm", o.getMetadata().getLabels().get("app.kubernetes.io/instance"), o::getKind);
        }
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void everyDeploymentContainerHasProbesAndResources(Path scenario) {
        List<Deployment> deployments = Chart.ofType(Chart.render(scenario), Deployment.class);
        assertEquals(Set.of("farm-sdfarm-gateway", "farm-sdfarm-worker"),
                deployments.stream().map(d -> d.getMetadata().getName()).collect(Collectors.toSet()));
        for (Deployment d : deployments) {
            for (Container c : d.getSpec().getTemplate().getSpec().getContainers()) {
                String where = d.getMetadata().getName() + "/" + c.getName();
                assertEquals("/q/health/live", c.getLivenessProbe().getHttpGet().getPath(), where);
                assertEquals("/q/health/ready", c.getReadinessProbe().getHttpGet().getPath(), where);
                assertNotNull(c.getStartupProbe(), where + " startup probe");
                assertFalse(c.getResources().getRequests().isEmpty(), where + " requests");
                assertTrue(c.getResources().getLimits().containsKey("memory"), where + " memory limit");
            }
        }
        Container worker = Chart.named(deployments.stream().map(HasMetadata.class::cast).toList(),
                Deployment.class, "worker").getSpec().getTemplate().getSpec().getContainers().getFirst();
        // The worker's health and metrics listener (SDFARM_WORKER_PORT) is what its probes call.
        assertEquals("http", worker.getLivenessProbe().getHttpGet().getPort().getStrVal());
        assertEquals(8081, worker.getPorts().stream().filter(p -> p.getName().equals("http")).findFirst()
                .orElseThrow().getContainerPort());
        assertEquals("8081", env(worker).get("SDFARM_WORKER_PORT").getValue());
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void everyContainerRunsAsNonRootOnAReadOnlyRootWithoutEscalation(Path scenario) {
        for (Map.Entry<String, PodSpec> pod : podSpecs(Chart.render(scenario)).entrySet()) {
            PodSecurityContext podContext = pod.getValue().getSecurityContext();
            assertEquals(Boolean.TRUE, podContext.getRunAsNonRoot(), pod.getKey());
            assertEquals("RuntimeDefault", podContext.getSeccompProfile().getType(), pod.getKey());
            for (Container c : pod.getValue().getContainers()) {
                String where = pod.getKey() + "/" + c.getName();
                SecurityContext sc = c.getSecurityContext();
                assertEquals(Boolean.TRUE, sc.getRunAsNonRoot(), where);
                assertEquals(10001L, sc.getRunAsUser(), where);
                assertEquals(Boolean.TRUE, sc.getReadOnlyRootFilesystem(), where);
                assertEquals(Boolean.FALSE, sc.getAllowPrivilegeEscalation(), where);
                assertEquals(List.of("ALL"), sc.getCapabilities().getDrop(), where);
                assertEquals("RuntimeDefault", sc.getSeccompProfile().getType(), where);
                assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/tmp")),
                        where + " has no writable /tmp");
                assertNotNull(c.getResources().getLimits(), where + " limits");
            }
        }
    }

    /**
     * Variables that name a Secret and the keys in it (for the converter Jobs the gateway creates), not credentials:
     * their values are checked in {@code ChartValuesTest}.
     */
    private static final Set<String> SECRET_REFERENCES = Set.of("SDFARM_CONVERSIONS_STORE_SECRET",
            "SDFARM_CONVERSIONS_STORE_SECRET_ACCESS_KEY_ID_KEY", "SDFARM_CONVERSIONS_STORE_SECRET_SECRET_ACCESS_KEY_KEY");

    @ParameterizedTest
    @MethodSource("scenarios")
    void credentialsComeOnlyFromSecrets(Path scenario) {
        int credentials = 0;
        for (Map.Entry<String, PodSpec> pod : podSpecs(Chart.render(scenario)).entrySet()) {
            for (Container c : pod.getValue().getContainers()) {
                for (EnvVar e : c.getEnv()) {
                    if (CREDENTIAL.matcher(e.getName().toUpperCase(Locale.ROOT)).find()
                            && !SECRET_REFERENCES.contains(e.getName())) {
                        credentials++;
                        String where = pod.getKey() + "/" + c.getName() + " " + e.getName();
                        assertNull(e.getValue(), where + " has a literal value");
                        assertNotNull(e.getValueFrom(), where);
                        assertNotNull(e.getValueFrom().getSecretKeyRef(), where + " is not a secretKeyRef");
                    }
                }
                assertFalse(env(c).containsKey("SDFARM_AUTH_LOOPBACK_TENANT"), "loopback tenant set in " + c.getName());
            }
        }
        assertTrue(credentials >= 2, scenario + ": expected at least the database user and password, found " + credentials);
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void gatewayMayOnlyRunJobsInItsNamespace(Path scenario) {
        List<HasMetadata> objects = Chart.render(scenario);
        assertTrue(objects.stream().noneMatch(o -> o.getKind().startsWith("Cluster")),
                "cluster-wide RBAC rendered");
        Role role = Chart.named(objects, Role.class, "gateway");
        assertEquals(Chart.NAMESPACE, role.getMetadata().getNamespace());
        assertEquals(Set.of(
                        rule("batch", "jobs", "create", "get", "list", "watch", "delete"),
                        rule("", "pods", "get", "list", "watch"),
                        rule("", "pods/log", "get")),
                role.getRules().stream().map(ChartScenariosTest::normalized).collect(Collectors.toSet()));
        RoleBinding binding = Chart.named(objects, RoleBinding.class, "gateway");
        assertEquals("Role", binding.getRoleRef().getKind());
        assertEquals(role.getMetadata().getName(), binding.getRoleRef().getName());
        String gatewayAccount = Chart.named(objects, Deployment.class, "gateway").getSpec().getTemplate().getSpec()
                .getServiceAccountName();
        assertEquals(gatewayAccount, binding.getSubjects().getFirst().getName());
        assertEquals(Chart.NAMESPACE, binding.getSubjects().getFirst().getNamespace());
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void workersGetTimeToFinishOrGiveBackTheirBatch(Path scenario) {
        List<HasMetadata> objects = Chart.render(scenario);
        PodSpec pod = Chart.named(objects, Deployment.class, "worker").getSpec().getTemplate().getSpec();
        Container worker = pod.getContainers().getFirst();
        long grace = Long.parseLong(env(worker).get("SDFARM_WORKER_SHUTDOWN_GRACE_SECONDS").getValue());
        List<String> preStop = worker.getLifecycle().getPreStop().getExec().getCommand();
        assertEquals("sleep", preStop.getFirst());
        long pause = Long.parseLong(preStop.get(1));
        assertTrue(pod.getTerminationGracePeriodSeconds() > pause + grace + 30,
                () -> "terminationGracePeriodSeconds " + pod.getTerminationGracePeriodSeconds()
                        + " leaves no time for preStop " + pause + " s + shutdown grace " + grace + " s + 30 s");
        assertNotNull(Chart.named(objects, PodDisruptionBudget.class, "worker").getSpec().getMaxUnavailable());
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void kedaScalesWorkersOnlyInTheKedaScenario(Path scenario) {
        List<HasMetadata> objects = Chart.render(scenario);
        List<GenericKubernetesResource> scaled = Chart.ofType(objects, GenericKubernetesResource.class).stream()
                .filter(o -> o.getKind().equals("ScaledObject")).toList();
        Deployment worker = Chart.named(objects, Deployment.class, "worker");
        if (!scenario.getFileName().toString().equals("keda-values.yaml")) {
            assertEquals(List.of(), scaled);
            assertNotNull(worker.getSpec().getReplicas());
            return;
        }
        assertEquals(1, scaled.size());
        GenericKubernetesResource so = scaled.getFirst();
        assertEquals("keda.sh/v1alpha1", so.getApiVersion());
        assertEquals(worker.getMetadata().getName(), so.get("spec", "scaleTargetRef", "name"));
        assertEquals(8, ((Number) so.get("spec", "maxReplicaCount")).intValue());
        List<Map<String, Object>> triggers = so.get("spec", "triggers");
        List<String> topics = new ArrayList<>();
        for (Map<String, Object> t : triggers) {
            assertEquals("kafka", t.get("type"));
            @SuppressWarnings("unchecked")
            Map<String, Object> md = (Map<String, Object>) t.get("metadata");
            assertEquals("sdfarm-workers", md.get("consumerGroup"));
            assertEquals("4", md.get("lagThreshold"));
            topics.add((String) md.get("topic"));
        }
        assertEquals(List.of("sdfarm.generation.requests.interactive", "sdfarm.generation.requests.batch"), topics);
        assertNull(worker.getSpec().getReplicas(), "KEDA owns the worker replica count");
    }

    /** Every pod template the chart renders (Deployments and CronJobs), by owner. */
    static Map<String, PodSpec> podSpecs(List<HasMetadata> objects) {
        Map<String, PodSpec> pods = new LinkedHashMap<>();
        Chart.ofType(objects, Deployment.class).forEach(d ->
                pods.put("Deployment " + d.getMetadata().getName(), d.getSpec().getTemplate().getSpec()));
        Chart.ofType(objects, CronJob.class).forEach(c -> pods.put("CronJob " + c.getMetadata().getName(),
                c.getSpec().getJobTemplate().getSpec().getTemplate().getSpec()));
        return pods;
    }

    static Map<String, EnvVar> env(Container c) {
        return c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e, (a, b) -> {
            throw new AssertionError("variable " + a.getName() + " set twice in " + c.getName());
        }, LinkedHashMap::new));
    }

    private static String rule(String group, String resource, String... verbs) {
        return group + "|" + resource + "|" + String.join(",", Set.of(verbs).stream().sorted().toList());
    }

    private static String normalized(PolicyRule r) {
        assertEquals(1, r.getApiGroups().size(), "one API group per rule");
        assertEquals(1, r.getResources().size(), "one resource per rule");
        assertTrue(r.getResourceNames() == null || r.getResourceNames().isEmpty());
        return r.getApiGroups().getFirst() + "|" + r.getResources().getFirst() + "|"
                + String.join(",", r.getVerbs().stream().sorted().toList());
    }
}

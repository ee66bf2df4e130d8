package dev.sdfarm.gateway.conversion;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConverterJobTemplateTest {
    private static final ConverterJobTemplate.Settings SETTINGS = new ConverterJobTemplate.Settings("img:1",
            Optional.of(List.of("java", "-jar", "/app/quarkus-run.jar")), "Always", Optional.empty(), "500m",
            Optional.of("2"), "1Gi", "3Gi", 1, 60, 7200, Map.of("SDFARM_STORE_LOCATION", "s3://bucket/farm",
            "SDFARM_STORE_S3_REGION", "eu-west-1"), Optional.empty());

    @Test
    void buildsANonRootJobWithBoundedRetriesAndNoCredentials() {
        UUID id = UUID.randomUUID();
        Job job = ConverterJobTemplate.build(id, List.of("convert-object", "--store", "s3://bucket/farm"), SETTINGS);
        assertEquals("sdfarm-convert-" + id, job.getMetadata().getName());
        assertTrue(job.getMetadata().getName().length() <= 63);
        assertEquals(1, job.getSpec().getBackoffLimit());
        assertEquals(60, job.getSpec().getTtlSecondsAfterFinished());
        assertEquals(7200L, job.getSpec().getActiveDeadlineSeconds());
        var pod = job.getSpec().getTemplate().getSpec();
        assertNull(pod.getServiceAccountName());
        assertEquals(10001L, pod.getSecurityContext().getRunAsUser());
        assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
        var c = pod.getContainers().getFirst();
        assertEquals(List.of("java", "-jar", "/app/quarkus-run.jar"), c.getCommand());
        assertEquals(List.of("convert-object", "--store", "s3://bucket/farm"), c.getArgs());
        assertEquals("Always", c.getImagePullPolicy());
        assertEquals("2", c.getResources().getLimits().get("cpu").toString());
        assertEquals("500m", c.getResources().getRequests().get("cpu").toString());
        assertEquals(List.of("SDFARM_STORE_LOCATION", "SDFARM_STORE_S3_REGION"),
                c.getEnv().stream().map(e -> e.getName()).sorted().toList(), "no secret refs without a secret");
        assertEquals("tmp", pod.getVolumes().getFirst().getName());
        assertEquals(id.toString(), job.getSpec().getTemplate().getMetadata().getLabels()
                .get(ConverterJobTemplate.CONVERSION_ID));
    }

    @Test
    void s3KeysComeFromTheNamedSecretAsReferencesNeverAsValues() {
        ConverterJobTemplate.Settings withSecret = new ConverterJobTemplate.Settings(SETTINGS.image(),
                SETTINGS.command(), SETTINGS.imagePullPolicy(), Optional.of("converter"), SETTINGS.cpuRequest(),
                SETTINGS.cpuLimit(), SETTINGS.memoryRequest(), SETTINGS.memoryLimit(), 1, 60, 7200, SETTINGS.env(),
                Optional.of(new ConverterJobTemplate.StoreSecret("bucket-keys", "AWS_ACCESS_KEY_ID", "AWS_SECRET")));
        var pod = ConverterJobTemplate.build(UUID.randomUUID(), List.of("convert-object"), withSecret).getSpec()
                .getTemplate().getSpec();
        assertEquals("converter", pod.getServiceAccountName());
        Map<String, String> refs = new java.util.TreeMap<>();
        for (var e : pod.getContainers().getFirst().getEnv()) {
            if (e.getValueFrom() != null) {
                assertNull(e.getValue(), e.getName());
                var ref = e.getValueFrom().getSecretKeyRef();
                refs.put(e.getName(), ref.getName() + "/" + ref.getKey());
            }
        }
        assertEquals(Map.of("SDFARM_STORE_S3_ACCESS_KEY_ID", "bucket-keys/AWS_ACCESS_KEY_ID",
                "SDFARM_STORE_S3_SECRET_ACCESS_KEY", "bucket-keys/AWS_SECRET"), refs);
    }
}

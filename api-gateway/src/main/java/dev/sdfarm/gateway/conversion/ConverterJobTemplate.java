package dev.sdfarm.gateway.conversion;

import dev.sdfarm.core.store.ObjectStores;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The desired batch/v1 Job of one conversion, built from settings alone (no cluster calls): the converter image
 * with the contract's arguments, the store's settings as environment (S3 credentials only by reference to a
 * Secret), a non-root container with a read-only root file system and a writable {@code /tmp}, no API token,
 * bounded retries and cleanup after it ends.
 */
public final class ConverterJobTemplate {
    public static final String CONVERSION_ID = "sdfarm.dev/conversion-id";
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String MANAGER = "sdfarm-gateway";
    static final long RUN_AS_USER = 10001;

    /** Everything a Job needs besides the conversion; from {@link ConversionConfig} and the store settings. */
    public record Settings(String image, Optional<List<String>> command, String imagePullPolicy,
                           Optional<String> serviceAccount, String cpuRequest, Optional<String> cpuLimit,
                           String memoryRequest, String memoryLimit, int backoffLimit, int ttlSecondsAfterFinished,
                           long activeDeadlineSeconds, Map<String, String> env, Optional<StoreSecret> storeSecret) {
    }

    /** A Secret holding the converter pods' S3 keys, and the keys (names) of the two values in it. */
    public record StoreSecret(String name, String accessKeyIdKey, String secretAccessKeyKey) {
    }

    private ConverterJobTemplate() {
    }

    /** {@code sdfarm-convert-<id>}: 51 characters, within the 63 of a label value. */
    public static String jobName(UUID id) {
        return "sdfarm-convert-" + id;
    }

    public static Map<String, String> labels(UUID id) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("app.kubernetes.io/name", "sdfarm-converter");
        labels.put("app.kubernetes.io/component", "converter");
        labels.put("app.kubernetes.io/part-of", "sdfarm");
        labels.put(MANAGED_BY, MANAGER);
        labels.put(CONVERSION_ID, id.toString());
        return labels;
    }

    public static Job build(UUID id, List<String> converterArgs, Settings s) {
        Map<String, String> labels = labels(id);
        return new JobBuilder()
                .withNewMetadata().withName(jobName(id)).withLabels(labels).endMetadata()
                .withNewSpec()
                .withBackoffLimit(s.backoffLimit())
                .withTtlSecondsAfterFinished(s.ttlSecondsAfterFinished())
                .withActiveDeadlineSeconds(s.activeDeadlineSeconds())
                .withNewTemplate()
                .withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withServiceAccountName(s.serviceAccount().orElse(null))
                .withAutomountServiceAccountToken(false)
                .withNewSecurityContext()
                .withRunAsNonRoot(true).withRunAsUser(RUN_AS_USER).withRunAsGroup(RUN_AS_USER).withFsGroup(RUN_AS_USER)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .endSecurityContext()
                .withContainers(container(converterArgs, s))
                .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    private static Container container(List<String> args, Settings s) {
        ResourceRequirementsBuilder resources = new ResourceRequirementsBuilder()
                .addToRequests("cpu", new Quantity(s.cpuRequest()))
                .addToRequests("memory", new Quantity(s.memoryRequest()))
                .addToLimits("memory", new Quantity(s.memoryLimit()));
        s.cpuLimit().ifPresent(l -> resources.addToLimits("cpu", new Quantity(l)));
        return new ContainerBuilder()
                .withName("converter")
                .withImage(s.image())
                .withImagePullPolicy(s.imagePullPolicy())
                .withCommand(s.command().orElse(null))
                .withArgs(args)
                .withEnv(env(s))
                .withResources(resources.build())
                .withNewSecurityContext()
                .withReadOnlyRootFilesystem(true).withAllowPrivilegeEscalation(false).withRunAsNonRoot(true)
                .withNewCapabilities().withDrop("ALL").endCapabilities()
                .endSecurityContext()
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                .build();
    }

    private static List<EnvVar> env(Settings s) {
        List<EnvVar> env = new ArrayList<>();
        s.env().forEach((k, v) -> env.add(new EnvVar(k, v, null)));
        s.storeSecret().ifPresent(secret -> {
            env.add(secretEnv(ObjectStores.ACCESS_KEY_ID, secret.name(), secret.accessKeyIdKey()));
            env.add(secretEnv(ObjectStores.SECRET_ACCESS_KEY, secret.name(), secret.secretAccessKeyKey()));
        });
        return env;
    }

    private static EnvVar secretEnv(String s3Setting, String secret, String key) {
        return new EnvVarBuilder().withName(StoreEnvironment.variable(s3Setting)).withNewValueFrom()
                .withNewSecretKeyRef().withName(secret).withKey(key).endSecretKeyRef().endValueFrom().build();
    }
}

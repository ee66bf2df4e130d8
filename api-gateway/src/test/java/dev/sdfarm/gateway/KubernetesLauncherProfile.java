package dev.sdfarm.gateway;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** The gateway with the Kubernetes conversion launcher (against the Fabric8 mock API server). */
public class KubernetesLauncherProfile implements QuarkusTestProfile {
    static final String IMAGE = "registry.example/sdfarm/converter-job:1.2.3";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "sdfarm.conversions.launcher", "kubernetes",
                "sdfarm.conversions.image", IMAGE,
                "sdfarm.conversions.service-account", "sdfarm-converter",
                "sdfarm.conversions.store-secret", "sdfarm-s3",
                "sdfarm.conversions.backoff-limit", "3",
                "sdfarm.conversions.log-poll", "200ms");
    }
}

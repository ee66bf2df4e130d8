package dev.sdfarm.gateway;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.nio.file.Path;
import java.util.Map;

/**
 * The gateway with the local conversion launcher running a stand-in that follows the converter's contract
 * ({@code FakeConverter}). A gateway of its own, so the models its conversions register do not meet the
 * job tests (which expect a single registered model).
 */
public class LocalLauncherProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "sdfarm.conversions.launcher", "local",
                "sdfarm.conversions.local-command", String.join(",",
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp", Path.of("target/test-classes").toAbsolutePath().toString(),
                        "dev.sdfarm.gateway.conversion.FakeConverter"));
    }
}

package dev.sdfarm.gateway.conversion;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalConverterCommandTest {
    @Test
    void aConfiguredCommandWins(@TempDir Path dir) {
        assertEquals(List.of("/opt/converter", "--quiet"),
                LocalConverterCommand.resolve(Optional.of(List.of("/opt/converter", "--quiet")), List.of(dir)));
    }

    @Test
    void findsTheConverterJarOfTheCheckoutAboveAStart(@TempDir Path checkout) throws Exception {
        Path jar = checkout.resolve(LocalConverterCommand.CONVERTER_JAR);
        Files.createDirectories(jar.getParent());
        Files.writeString(jar, "");
        Path gatewayJar = Files.createDirectories(checkout.resolve("api-gateway/target/quarkus-app/app"));
        List<String> cmd = LocalConverterCommand.resolve(Optional.empty(), List.of(gatewayJar));
        assertTrue(cmd.getFirst().endsWith("/bin/java"), cmd.toString());
        assertTrue(cmd.contains("jdk.incubator.vector"), cmd.toString());
        assertEquals(List.of("-jar", jar.toString()), cmd.subList(cmd.size() - 2, cmd.size()));
    }

    @Test
    void withoutOneTheErrorSaysWhatToSetOrBuild(@TempDir Path empty) {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> LocalConverterCommand.resolve(Optional.of(List.of()), List.of(empty)));
        assertTrue(e.getMessage().contains("sdfarm.conversions.local-command"), e.getMessage());
        assertTrue(e.getMessage().contains("./mvnw -pl converter-job -am package"), e.getMessage());
        assertTrue(e.getMessage().contains(empty.resolve(LocalConverterCommand.CONVERTER_JAR).toString()));
    }
}

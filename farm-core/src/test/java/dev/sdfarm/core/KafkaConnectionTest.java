package dev.sdfarm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KafkaConnectionTest {
    private static final String JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required "
            + "username=\"farm\" password=\"s3cret-pw\";";

    @Test
    void securitySettingsReachEveryClientAndTheClientsOwnSettingsWin() {
        Map<String, String> config = Map.of(
                "kafka.bootstrap.servers", "broker-0:9093,broker-1:9093",
                "kafka.security.protocol", "SASL_SSL",
                "kafka.sasl.mechanism", "SCRAM-SHA-512",
                "kafka.sasl.jaas.config", JAAS,
                "kafka.ssl.truststore.location", "/etc/kafka/ca.p12",
                "kafka.ssl.keystore.password", "",
                "kafka.group.id", "not a connection setting");
        KafkaConnection c = KafkaConnection.fromConfig(k -> Optional.ofNullable(config.get(k)));

        Map<String, Object> client = c.clientConfig(Map.of("client.id", "w1", "security.protocol", "SASL_PLAINTEXT"));
        assertEquals("broker-0:9093,broker-1:9093", client.get("bootstrap.servers"));
        assertEquals("SCRAM-SHA-512", client.get("sasl.mechanism"));
        assertEquals(JAAS, client.get("sasl.jaas.config"));
        assertEquals("/etc/kafka/ca.p12", client.get("ssl.truststore.location"));
        assertEquals("SASL_PLAINTEXT", client.get("security.protocol"), "a client's own setting wins");
        assertFalse(client.containsKey("group.id"), "only connection settings are shared");
        assertFalse(client.containsKey("ssl.keystore.password"), "blank values are not set");
        assertEquals("w1", client.get("client.id"));
    }

    @Test
    void toStringNamesTheSettingsButNeverTheirValues() {
        KafkaConnection c = KafkaConnection.fromConfig(k -> Optional.ofNullable(Map.of(
                "kafka.bootstrap.servers", "b:9092", "kafka.sasl.jaas.config", JAAS).get(k)));
        assertTrue(c.toString().contains("sasl.jaas.config"), c.toString());
        assertFalse(c.toString().contains("s3cret-pw"), c.toString());
    }

    @Test
    void withoutBootstrapServersTheErrorSaysWhatToSet() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KafkaConnection.fromConfig(k -> Optional.empty()));
        assertTrue(e.getMessage().contains("SDFARM_KAFKA"), e.getMessage());
    }
}

package dev.sdfarm.deploy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** values.schema.json refuses bad values before anything renders, and Helm's message names the field. */
class ValuesSchemaTest {
    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
            "converter.bulk.precision, fp64, /converter/bulk/precision, must be one of",
            "converter.bulk.ema, none, /converter/bulk/ema, must be one of",
            "worker.gpu.count, -1, /worker/gpu/count, minimum",
            "gateway.service.port, abc, /gateway/service/port, want integer",
            "gateway.containerPort, 70000, /gateway/containerPort, maximum",
            "config.kafka.securityProtocol, SASL, /config/kafka/securityProtocol, must be one of",
            "podSecurityContext.runAsUser, 0, /podSecurityContext/runAsUser, minimum",
            "worker.modelBudget, lots, /worker/modelBudget, does not match pattern",
            "config.database.existingSecret, '', /config/database/existingSecret, minLength",
            "workers.replicaCount, 2, '', 'additional properties ''workers'' not allowed'",
    })
    void refusesBadValuesNamingTheField(String key, String value, String field, String reason) {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Chart.template(null, key, value));
        String message = e.getMessage();
        assertTrue(message.contains("values don't meet the specifications of the schema"), message);
        assertTrue(message.contains("at '" + field + "'"), () -> "field " + field + " not named in: " + message);
        assertTrue(message.contains(reason), () -> "reason '" + reason + "' not in: " + message);
    }
}

package dev.sdfarm.gateway.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sdfarm.gateway.problem.ProblemException;
import dev.sdfarm.gateway.webhook.WebhookConfig;
import io.smallrye.config.WithDefault;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Submission refuses webhook URLs to internal addresses unless the farm allows them. */
class JobValidatorWebhookTest {
    /** A config mapping answering its declared defaults, with {@code overrides} by method name. */
    @SuppressWarnings("unchecked")
    static <T> T config(Class<T> type, Map<String, Object> overrides) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, a) -> {
            if (overrides.containsKey(m.getName())) {
                return overrides.get(m.getName());
            }
            String d = m.getAnnotation(WithDefault.class).value();
            Class<?> r = m.getReturnType();
            return r == long.class ? Long.parseLong(d) : r == int.class ? Integer.parseInt(d)
                    : r == boolean.class ? Boolean.parseBoolean(d) : d;
        });
    }

    private static JobValidator validator(boolean allowPrivate) {
        JobValidator v = new JobValidator();
        v.limits = config(Limits.class, Map.of());
        v.webhookConfig = config(WebhookConfig.class, Map.of("allowPrivate", allowPrivate));
        return v;
    }

    private static JobRequest request(String webhookUrl) throws Exception {
        return new ObjectMapper().readValue("{\"prompt\": \"a fox\", \"webhook_url\": \"" + webhookUrl + "\"}",
                JobRequest.class);
    }

    @Test
    void privateWebhookUrlIsA422UnlessAllowed() throws Exception {
        ProblemException e = assertThrows(ProblemException.class,
                () -> validator(false).validate(request("http://127.0.0.1:9000/hook")));
        assertEquals(422, e.status());
        assertEquals("webhook_url", e.toProblem("/v1/jobs").errors().getFirst().field());
        assertTrue(e.getMessage().contains("private"), e.getMessage());
        assertThrows(ProblemException.class, () -> validator(false).validate(request("http://169.254.169.254/")));
        validator(true).validate(request("http://127.0.0.1:9000/hook"));
        validator(false).validate(request("https://93.184.216.34/hook"));
    }
}

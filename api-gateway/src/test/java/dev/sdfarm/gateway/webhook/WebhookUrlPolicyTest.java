package dev.sdfarm.gateway.webhook;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WebhookUrlPolicyTest {
    /** Names resolve as this table says (no real DNS). */
    private static final WebhookUrlPolicy.Resolver DNS = host -> {
        Map<String, String> table = Map.of("hooks.example.com", "93.184.216.34", "rebind.example.com", "10.1.2.3",
                "metadata.example.com", "169.254.169.254", "localhost", "127.0.0.1");
        String ip = table.get(host);
        if (ip != null) {
            return new InetAddress[] {InetAddress.getByName(ip)};
        }
        if (host.matches("[0-9.]+|[0-9a-fA-F:.]+")) {
            return new InetAddress[] {InetAddress.getByName(host)};
        }
        throw new UnknownHostException(host);
    };

    @Test
    void internalAddressesAreRefused() {
        WebhookUrlPolicy strict = new WebhookUrlPolicy(false, DNS);
        for (String url : new String[] {"http://127.0.0.1:8080/x", "http://localhost/x", "https://10.0.0.1/",
                "http://172.16.5.4/", "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data",
                "http://metadata.example.com/", "http://rebind.example.com/hook", "http://[::1]/",
                "http://[fd00::1]/", "http://[fe80::1]/", "http://0.0.0.0/", "http://100.64.1.1/",
                "http://[::ffff:127.0.0.1]/", "http://[64:ff9b::a00:1]/", "http://224.0.0.1/"}) {
            var p = strict.problem(url, true);
            assertTrue(p.isPresent() && p.get().contains("private"), url + " refused: " + p);
        }
    }

    @Test
    void publicAddressesAndUnresolvedNamesAtSubmissionPass() {
        WebhookUrlPolicy strict = new WebhookUrlPolicy(false, DNS);
        assertEquals(java.util.Optional.empty(), strict.problem("https://hooks.example.com/sdfarm?x=1", true));
        assertEquals(java.util.Optional.empty(), strict.problem("http://93.184.216.34/", true));
        // DNS may be down at submission; delivery checks again and then requires an answer.
        assertEquals(java.util.Optional.empty(), strict.problem("https://nowhere.example.org/", false));
        assertTrue(strict.problem("https://nowhere.example.org/", true).orElseThrow().contains("does not resolve"));
    }

    @Test
    void allowingPrivateTargetsStillChecksTheShape() {
        WebhookUrlPolicy open = new WebhookUrlPolicy(true, DNS);
        assertEquals(java.util.Optional.empty(), open.problem("http://127.0.0.1:9/x", true));
        assertTrue(open.problem("ftp://example.com/", true).isPresent());
        assertTrue(open.problem("http://user:pw@example.com/", true).isPresent());
        assertTrue(open.problem("not a url", true).isPresent());
        assertTrue(open.problem("http://example.com/" + "x".repeat(2000), true).isPresent());
    }
}

package dev.sdfarm.gateway.dashboard;

import dev.sdfarm.gateway.problem.ProblemException;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

/**
 * Where a page of the all-tenant job list ends: the last job's (created_at, id), sent back as {@code before} to
 * get the next, older page. Opaque to clients (base64url of "epoch-micros:uuid").
 */
record JobCursor(Instant createdAt, UUID id) {
    String encode() {
        long micros = createdAt.getEpochSecond() * 1_000_000L + createdAt.getNano() / 1_000;
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((micros + ":" + id).getBytes(StandardCharsets.UTF_8));
    }

    static JobCursor decode(String token) {
        try {
            String s = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            int colon = s.indexOf(':');
            long micros = Long.parseLong(s.substring(0, colon));
            return new JobCursor(Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                    Math.floorMod(micros, 1_000_000L) * 1_000L), UUID.fromString(s.substring(colon + 1)));
        } catch (RuntimeException e) {
            throw ProblemException.badRequest("before is not a cursor from this API (use the 'next' value of the "
                    + "previous page)");
        }
    }
}

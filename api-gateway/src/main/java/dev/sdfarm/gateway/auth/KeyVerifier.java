package dev.sdfarm.gateway.auth;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.security.MessageDigest;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns a presented key into a caller. Verified keys are cached for {@code sdfarm.auth.key-cache-seconds}, so a
 * busy client costs one hash per request, not a query; unknown ids are not cached (no memory for guessers).
 */
@ApplicationScoped
public class KeyVerifier {
    private record Verified(Caller caller, byte[] hash, long expiresAtMillis) {
    }

    @Inject
    AuthConfig config;

    private final ConcurrentHashMap<String, Verified> cache = new ConcurrentHashMap<>();

    public Optional<Caller> verify(String presented) {
        Optional<KeyTokens.Token> token = KeyTokens.parse(presented);
        if (token.isEmpty()) {
            return Optional.empty();
        }
        byte[] hash = KeyTokens.hash(token.get().secret());
        long now = System.currentTimeMillis();
        Verified v = cache.get(token.get().id());
        if (v == null || v.expiresAtMillis < now) {
            v = load(token.get().id(), now);
            if (v == null) {
                cache.remove(token.get().id());
                return Optional.empty();
            }
            cache.put(token.get().id(), v);
        }
        return MessageDigest.isEqual(v.hash, hash) ? Optional.of(v.caller) : Optional.empty();
    }

    /** Forgets a key at once (after revocation on this instance). */
    public void evict(String keyId) {
        cache.remove(keyId);
    }

    @Transactional
    Verified load(String id, long now) {
        ApiKey k = ApiKey.findById(id);
        if (k == null || (k.revokedAt != null && !k.revokedAt.isAfter(Instant.ofEpochMilli(now)))) {
            return null;
        }
        return new Verified(new Caller(k.tenantId, k.id, k.role), k.secretHash,
                now + config.keyCacheSeconds() * 1000L);
    }
}

package dev.sdfarm.gateway.job;

import dev.sdfarm.gateway.auth.Caller;
import dev.sdfarm.gateway.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Submissions per key: a token bucket refilled at the tenant's rate, holding up to two seconds' worth. Over
 * the rate the caller gets 429 with the time until the next token. Kept per gateway instance.
 */
@ApplicationScoped
public class RateLimiter {
    private static final class Bucket {
        double tokens;
        long lastNanos;
    }

    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    /** Takes one token for the caller's key, or throws 429. */
    public void acquire(Caller caller, double ratePerSecond) {
        if (ratePerSecond <= 0) {
            return;
        }
        String id = caller.keyId() != null ? caller.keyId() : "tenant:" + caller.tenantId();
        double burst = Math.max(1, 2 * ratePerSecond);
        Bucket b = buckets.computeIfAbsent(id, k -> {
            Bucket n = new Bucket();
            n.tokens = burst;
            n.lastNanos = System.nanoTime();
            return n;
        });
        double wait;
        synchronized (b) {
            long now = System.nanoTime();
            b.tokens = Math.min(burst, b.tokens + (now - b.lastNanos) * 1e-9 * ratePerSecond);
            b.lastNanos = now;
            if (b.tokens >= 1) {
                b.tokens -= 1;
                return;
            }
            wait = (1 - b.tokens) / ratePerSecond;
        }
        throw ProblemException.tooMany("rate-limit", "more than " + ratePerSecond
                + " submissions per second on this key", Duration.ofMillis((long) Math.ceil(wait * 1000)));
    }
}

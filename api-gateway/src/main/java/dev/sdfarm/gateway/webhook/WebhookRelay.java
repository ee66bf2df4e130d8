package dev.sdfarm.gateway.webhook;

import dev.sdfarm.gateway.outbox.PollingLoop;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends due webhook deliveries. A delivery is claimed by pushing its due time past the longest an attempt can
 * take (rows chosen {@code FOR UPDATE SKIP LOCKED}, so instances share the work; a crash mid-attempt leaves it
 * to be claimed again when the claim runs out), then sent outside any transaction, and its outcome recorded:
 * 2xx is delivered; anything else (3xx included: redirects are not followed) is retried after 1 s, 2 s, 4 s …
 * up to {@code max-backoff}, until {@code max-attempts}, then FAILED. A job's deliveries go one at a time in
 * order: one waits while an earlier one of the same job is pending, so RUNNING always arrives before the end.
 */
@ApplicationScoped
public class WebhookRelay {
    private static final Logger LOG = Logger.getLogger(WebhookRelay.class);
    private static final int MAX_ERROR = 1000;
    private static final int RESPONSE_HEAD = 256;

    private static final String CLAIM = """
            update webhook_deliveries d set next_attempt_at = now() + make_interval(secs => ?)
            from tenants t
            where t.id = d.tenant_id and d.id in (
                select w.id from webhook_deliveries w
                where w.state = 'PENDING' and w.next_attempt_at <= now()
                  and not exists (select 1 from webhook_deliveries e
                                  where e.job_id = w.job_id and e.state = 'PENDING' and e.id < w.id)
                order by w.next_attempt_at, w.id
                limit ?
                for update of w skip locked)
            returning d.id, d.event_id, d.job_id, d.url, d.event, d.payload, d.attempts, t.webhook_secret""";
    private static final String DELIVERED = """
            update webhook_deliveries set state = 'DELIVERED', attempts = attempts + 1, last_status = ?,
                last_error = null, last_attempt_at = now(), delivered_at = now() where id = ?""";
    private static final String FAILED = """
            update webhook_deliveries set attempts = attempts + 1, last_status = ?, last_error = ?,
                last_attempt_at = now(), state = case when attempts + 1 >= ? then 'FAILED' else 'PENDING' end,
                next_attempt_at = now() + make_interval(secs => ?) where id = ?""";

    @Inject
    AgroalDataSource dataSource;
    @Inject
    WebhookConfig config;
    @Inject
    MeterRegistry metrics;

    private record Claimed(long id, UUID eventId, UUID jobId, String url, String event, String payload,
                           int attempts, String secret) {
    }

    private PollingLoop loop;
    private ExecutorService senders;
    private Semaphore slots;
    private HttpClient client;
    private WebhookUrlPolicy policy;
    private Counter delivered;
    private Counter failedAttempts;
    private Counter gaveUp;
    private Timer attemptTimer;

    void start(@Observes StartupEvent e) {
        client = HttpClient.newBuilder()
                .connectTimeout(config.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        policy = new WebhookUrlPolicy(config.allowPrivate());
        delivered = metrics.counter("sdfarm.webhooks.attempts", "outcome", "delivered");
        failedAttempts = metrics.counter("sdfarm.webhooks.attempts", "outcome", "failed");
        gaveUp = metrics.counter("sdfarm.webhooks.given.up");
        attemptTimer = metrics.timer("sdfarm.webhooks.attempt");
        slots = new Semaphore(Math.max(1, config.concurrency()));
        senders = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("webhook-", 0).factory());
        loop = new PollingLoop("webhook-relay", config.pollInterval(), this::round);
        loop.start();
    }

    void stop(@Observes ShutdownEvent e) throws InterruptedException {
        if (loop != null) {
            loop.stop();
        }
        if (senders != null) {
            senders.shutdownNow();
        }
    }

    /** A delivery was committed: look now rather than at the next poll. */
    public void wake() {
        if (loop != null) {
            loop.wake();
        }
    }

    /**
     * Hands every due delivery to a free sender. Then all that was due is on its way, or every slot is busy:
     * the loop waits for a new delivery, a finished attempt (either may make more due) or the next poll.
     */
    private boolean round() throws SQLException, InterruptedException {
        int free = slots.availablePermits();
        if (free > 0) {
            for (Claimed c : claim(free)) {
                slots.acquire();
                senders.execute(() -> {
                    try {
                        attempt(c);
                    } finally {
                        slots.release();
                        wake();
                    }
                });
            }
        }
        return false;
    }

    private List<Claimed> claim(int limit) throws SQLException {
        double lease = config.connectTimeout().toMillis() / 1000.0 + config.readTimeout().toMillis() / 1000.0 + 30;
        List<Claimed> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(CLAIM)) {
            c.setAutoCommit(true);
            s.setDouble(1, lease);
            s.setInt(2, limit);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(new Claimed(rs.getLong(1), rs.getObject(2, UUID.class), rs.getObject(3, UUID.class),
                            rs.getString(4), rs.getString(5), rs.getString(6), rs.getInt(7), rs.getString(8)));
                }
            }
        }
        return out;
    }

    private void attempt(Claimed d) {
        long start = System.nanoTime();
        Integer status = null;
        String error;
        try {
            Outcome o = send(d);
            status = o.status;
            error = o.error;
        } catch (Exception e) {
            error = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        } finally {
            attemptTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
        try {
            record(d, status, error);
        } catch (SQLException e) {
            // The claim runs out and the delivery is sent again: at least once.
            LOG.warnf("webhook %s of job %s: outcome not recorded (%s); it will be sent again", d.eventId(),
                    d.jobId(), e.getMessage());
        }
    }

    private record Outcome(Integer status, String error) {
    }

    private Outcome send(Claimed d) throws InterruptedException {
        var refused = policy.problem(d.url(), true);
        if (refused.isPresent()) {
            return new Outcome(null, "not sent: webhook_url " + refused.get());
        }
        if (d.secret() == null) {
            return new Outcome(null, "not sent: the tenant has no webhook secret");
        }
        byte[] body = d.payload().getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(URI.create(d.url()))
                .timeout(config.readTimeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "sdfarm-webhooks/1")
                .header("Sdfarm-Event-Id", d.eventId().toString())
                .header("Sdfarm-Event", d.event())
                .header("Sdfarm-Job-Id", d.jobId().toString())
                .header("Sdfarm-Signature", WebhookSecrets.signature(d.secret(), Instant.now().getEpochSecond(), body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        CompletableFuture<HttpResponse<String>> response = client.sendAsync(request, info -> new Head());
        try {
            // The request timeout covers the response headers; this one the body too.
            HttpResponse<String> r = response.get(config.readTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
            int sc = r.statusCode();
            if (sc >= 200 && sc < 300) {
                return new Outcome(sc, null);
            }
            String head = r.body() == null || r.body().isBlank() ? "" : ": " + r.body().strip();
            return new Outcome(sc, "HTTP " + sc + head);
        } catch (TimeoutException e) {
            response.cancel(true);
            return new Outcome(null, "no complete response within " + config.readTimeout().toMillis() + " ms");
        } catch (ExecutionException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            String msg = c.getMessage() == null ? c.getClass().getSimpleName()
                    : c.getClass().getSimpleName() + ": " + c.getMessage();
            return new Outcome(null, msg);
        }
    }

    private void record(Claimed d, Integer status, String error) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            if (error == null) {
                try (PreparedStatement s = c.prepareStatement(DELIVERED)) {
                    s.setInt(1, status);
                    s.setLong(2, d.id());
                    s.executeUpdate();
                }
                delivered.increment();
                LOG.debugf("webhook %s (%s) of job %s delivered: HTTP %d", d.eventId(), d.event(), d.jobId(), status);
                return;
            }
            int attempts = d.attempts() + 1;
            boolean last = attempts >= config.maxAttempts();
            try (PreparedStatement s = c.prepareStatement(FAILED)) {
                if (status == null) {
                    s.setNull(1, Types.INTEGER);
                } else {
                    s.setInt(1, status);
                }
                s.setString(2, error.length() > MAX_ERROR ? error.substring(0, MAX_ERROR) : error);
                s.setInt(3, config.maxAttempts());
                s.setDouble(4, backoff(attempts).toMillis() / 1000.0);
                s.setLong(5, d.id());
                s.executeUpdate();
            }
            failedAttempts.increment();
            if (last) {
                gaveUp.increment();
                LOG.infof("webhook %s (%s) of job %s failed %d times, the last: %s; given up", d.eventId(),
                        d.event(), d.jobId(), attempts, error);
            } else {
                LOG.debugf("webhook %s (%s) of job %s: attempt %d failed: %s", d.eventId(), d.event(), d.jobId(),
                        attempts, error);
            }
        }
    }

    /** Wait after the {@code attempts}-th failure: initial × 2^(attempts-1), capped. */
    Duration backoff(int attempts) {
        long initial = config.initialBackoff().toMillis();
        long cap = config.maxBackoff().toMillis();
        int shift = Math.min(Math.max(attempts - 1, 0), 30);
        long ms = initial << shift;
        return Duration.ofMillis(ms < 0 || ms > cap ? cap : ms);
    }

    /** Keeps the first bytes of a response body (for the error of a failed attempt) and drops the rest. */
    private static final class Head implements HttpResponse.BodySubscriber<String> {
        private final CompletableFuture<String> result = new CompletableFuture<>();
        private final byte[] head = new byte[RESPONSE_HEAD];
        private int length;

        @Override
        public CompletionStage<String> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            for (ByteBuffer b : items) {
                int n = Math.min(b.remaining(), head.length - length);
                b.get(head, length, n);
                length += n;
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(new String(head, 0, length, StandardCharsets.UTF_8));
        }
    }
}

package dev.sdfarm.gateway.job;

import dev.sdfarm.gateway.auth.Caller;
import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Live job views for SSE followers. Whoever changes a job row also sends a Postgres notification in the same
 * transaction ({@link #notifyChanged}); every gateway listens, so a follower connected to any instance hears of
 * changes that another instance applied, and only once they are committed.
 */
@ApplicationScoped
public class JobUpdates {
    static final String CHANNEL = "sdfarm_job_changes";
    private static final Logger LOG = Logger.getLogger(JobUpdates.class);

    private static final class Follower {
        final Caller caller;
        final MultiEmitter<? super JobView> emitter;
        JobView last;

        Follower(Caller caller, MultiEmitter<? super JobView> emitter) {
            this.caller = caller;
            this.emitter = emitter;
        }

        synchronized void offer(JobView v) {
            if (emitter.isCancelled() || v.equals(last)) {
                return;
            }
            last = v;
            emitter.emit(v);
            if (v.state().terminal()) {
                emitter.complete();
            }
        }
    }

    @Inject
    AgroalDataSource dataSource;
    @Inject
    JobService jobs;

    private final Map<UUID, Set<Follower>> followers = new ConcurrentHashMap<>();
    private volatile boolean running;
    private Thread thread;

    /** Sends the change notification for {@code id}; call inside the transaction that changed the row. */
    public static void notifyChanged(UUID id) {
        Job.getEntityManager().createNativeQuery("select pg_notify('" + CHANNEL + "', ?1)")
                .setParameter(1, id.toString()).getSingleResult();
    }

    /**
     * {@code first}, then each new view of the job until it ends or the client goes away. Subscribed on a
     * worker thread: the server subscribes on its IO thread, where the re-read below may not open a transaction.
     */
    public Multi<JobView> follow(Caller caller, JobView first) {
        return Multi.createFrom().<JobView>emitter(emitter -> {
            Follower f = new Follower(caller, emitter);
            followers.computeIfAbsent(first.id(), k -> ConcurrentHashMap.newKeySet()).add(f);
            emitter.onTermination(() -> remove(first.id(), f));
            f.offer(first);
            if (!first.state().terminal()) {
                f.offer(jobs.view(caller, first.id())); // a change between the first read and registering
            }
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool()); // that read is a transaction: not on the IO thread
    }

    void start(@Observes StartupEvent e) {
        running = true;
        thread = Thread.ofPlatform().name("job-updates").daemon().start(this::listen);
    }

    void stop(@Observes ShutdownEvent e) {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
        followers.values().forEach(set -> set.forEach(f -> f.emitter.complete()));
    }

    private void listen() {
        while (running) {
            try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
                s.execute("LISTEN " + CHANNEL);
                if (!c.getAutoCommit()) {
                    c.commit();
                }
                PGConnection pg = c.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] notes = pg.getNotifications(1000);
                    if (notes != null) {
                        for (PGNotification n : notes) {
                            deliver(UUID.fromString(n.getParameter()));
                        }
                    }
                }
            } catch (Exception e) {
                if (running) {
                    LOG.warnf("job change listener: %s; reconnecting", e.getMessage());
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }
    }

    private void deliver(UUID id) {
        Set<Follower> set = followers.get(id);
        if (set == null || set.isEmpty()) {
            return;
        }
        for (Follower f : set) {
            try {
                f.offer(jobs.view(f.caller, id));
            } catch (RuntimeException e) {
                f.emitter.fail(e);
            }
        }
    }

    private void remove(UUID id, Follower f) {
        followers.computeIfPresent(id, (k, set) -> {
            set.remove(f);
            return set.isEmpty() ? null : set;
        });
    }
}

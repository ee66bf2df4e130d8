package dev.sdfarm.gateway.outbox;

import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A background thread that does rounds of work: again at once while a round says more is waiting, otherwise
 * when woken or after the poll interval. A failing round is logged in one line and retried with doubling
 * backoff (100 ms to 5 s). The gateway's relays (outbox, webhooks) run on it.
 */
public final class PollingLoop {
    /** One round; returns true when more work is waiting right away. */
    @FunctionalInterface
    public interface Round {
        boolean run() throws Exception;
    }

    private static final Logger LOG = Logger.getLogger(PollingLoop.class);

    private final String name;
    private final Duration poll;
    private final Round round;
    private final Semaphore wake = new Semaphore(0);
    private volatile boolean running;
    private Thread thread;

    public PollingLoop(String name, Duration poll, Round round) {
        this.name = name;
        this.poll = poll;
        this.round = round;
    }

    public synchronized void start() {
        running = true;
        thread = Thread.ofPlatform().name(name).daemon().start(this::loop);
    }

    /** Stops after the round in progress (waiting at most ten seconds for it). */
    public synchronized void stop() throws InterruptedException {
        running = false;
        wake.release();
        if (thread != null) {
            thread.join(10_000);
        }
    }

    /** New work: start a round now rather than at the next poll. */
    public void wake() {
        if (wake.availablePermits() == 0) {
            wake.release();
        }
    }

    private void loop() {
        long backoff = 100;
        while (running) {
            try {
                boolean more = round.run();
                backoff = 100;
                if (!more) {
                    wake.tryAcquire(poll.toMillis(), TimeUnit.MILLISECONDS);
                    wake.drainPermits();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                if (!running) {
                    return;
                }
                LOG.warnf("%s: %s; retrying in %d ms", name, e.getMessage(), backoff);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
    }
}

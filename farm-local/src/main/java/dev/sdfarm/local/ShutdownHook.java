package dev.sdfarm.local;

/**
 * A JVM shutdown hook that can be taken back: by a component that is closed before the JVM exits, or by an owner
 * that stops its parts in a set order from its own hook. Taking it back during shutdown (from the hook itself,
 * or too late to matter) does nothing.
 */
final class ShutdownHook {
    private final Thread thread;

    private ShutdownHook(Thread thread) {
        this.thread = thread;
    }

    static ShutdownHook register(String name, Runnable action) {
        Thread t = new Thread(action, name);
        Runtime.getRuntime().addShutdownHook(t);
        return new ShutdownHook(t);
    }

    void remove() {
        try {
            Runtime.getRuntime().removeShutdownHook(thread);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is already running its hooks
        }
    }
}

package dev.sdfarm.gateway.worker;

/** A worker as operators see it. */
public enum WorkerState {
    /** Its last heartbeat is recent (within {@code sdfarm.workers.stale-after}). */
    ALIVE,
    /** It sent heartbeats, but none recently: hung, overloaded, cut off or gone. */
    STALE,
    /** A worker pod (pending or running) that has sent no heartbeat yet. */
    STARTING,
    /** A worker pod that has ended (phase Failed or Succeeded) and sent no heartbeat. */
    STOPPED
}

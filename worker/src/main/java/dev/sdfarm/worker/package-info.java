/**
 * A render worker: {@link dev.sdfarm.worker.WorkerService} wires the model cache, the cancellation reader, the
 * render loop (one thread; interactive requests first; offsets committed after the final event) and
 * heartbeats. {@link dev.sdfarm.worker.Renderer} turns a request into PNGs in the store with the engine.
 */
package dev.sdfarm.worker;

package dev.sdfarm.diffusion;

/** A checkpoint lacks a tensor the graph needs, or has one of the wrong shape: a user error, not a bug. */
public class ModelLoadException extends RuntimeException {
    public ModelLoadException(String message) {
        super(message);
    }
}

package dev.sdfarm.diffusion.image;

import java.io.IOException;

/** A PNG stream that is malformed, truncated, corrupt, over the reader's limits, or of an unsupported kind. */
public final class PngFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /** An error with a message saying what is wrong. */
    public PngFormatException(String message) {
        super(message);
    }

    /** An error caused by another one. */
    public PngFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.sdfarm.checkpoint.io;

import java.nio.file.Path;

/** The output path already exists and overwriting was not asked for, or it is one of the inputs. */
public final class OutputExistsException extends RuntimeException {
    private final Path path;

    public OutputExistsException(Path path, String message) {
        super(message);
        this.path = path;
    }

    public Path path() {
        return path;
    }
}

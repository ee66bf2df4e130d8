package dev.sdfarm.converter.cli;

/** Options that parse but do not make sense together (exit code 1). */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}

package dev.sdfarm.core.message;

/** A message that cannot be read: not JSON, missing fields, or a version this build does not know. */
public final class MessageFormatException extends RuntimeException {
    public MessageFormatException(String message) {
        super(message);
    }

    public MessageFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.sdfarm.checkpoint.json;

/** Malformed JSON, with the byte offset of the problem in the parsed input. */
public final class JsonException extends RuntimeException {
    private final long offset;

    public JsonException(String message, long offset) {
        super(message);
        this.offset = offset;
    }

    /** Byte offset into the parsed bytes where the problem was found. */
    public long offset() {
        return offset;
    }
}

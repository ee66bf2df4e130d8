package dev.sdfarm.checkpoint;

/**
 * A pickle asked for something that could run code: a global outside the allow-list, or an opcode
 * that builds arbitrary objects. Nothing from the file was executed; the file is refused.
 */
public final class UnsafeCheckpointException extends CheckpointException {
    private final String global;

    /**
     * @param global the offending {@code module.name}, or null when an opcode, not a global, was refused
     */
    public UnsafeCheckpointException(String message, String global, String where) {
        this(null, message, global, where);
    }

    private UnsafeCheckpointException(String file, String message, String global, String where) {
        super(file, message, where,
                "The file was not loaded and nothing in it was run. Only load it with full trust, or get a .safetensors version",
                null);
        this.global = global;
    }

    /** The forbidden global as {@code module.name}, or null. */
    public String global() {
        return global;
    }

    @Override
    protected CheckpointException copyWithFile(String fileName) {
        return new UnsafeCheckpointException(fileName, getMessage(), global, where());
    }
}

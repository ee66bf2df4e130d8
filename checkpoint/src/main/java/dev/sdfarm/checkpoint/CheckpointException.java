package dev.sdfarm.checkpoint;

/**
 * A checkpoint file is malformed or not what the operation needs. The message says what was wrong,
 * {@link #where()} says where (a key, a byte offset, an archive entry) and {@link #fix()} what the user can do.
 * These are user errors: callers print {@link #userMessage()} without a stack trace.
 */
public class CheckpointException extends RuntimeException {
    private final String file;
    private final String where;
    private final String fix;

    public CheckpointException(String message, String where, String fix) {
        this(null, message, where, fix, null);
    }

    public CheckpointException(String file, String message, String where, String fix, Throwable cause) {
        super(message, cause);
        this.file = file;
        this.where = where;
        this.fix = fix;
    }

    /** The file the problem is in, or null when not known at the point of failure. */
    public String file() {
        return file;
    }

    /** Where in the file: "key model.x", "header byte 1234", "data.pkl offset 0x3f"; may be null. */
    public String where() {
        return where;
    }

    /** What the user can do about it; may be null. */
    public String fix() {
        return fix;
    }

    /** Returns the same error attributed to a file. */
    public CheckpointException inFile(String fileName) {
        if (file != null) {
            return this;
        }
        CheckpointException e = copyWithFile(fileName);
        e.setStackTrace(getStackTrace());
        return e;
    }

    protected CheckpointException copyWithFile(String fileName) {
        return new CheckpointException(fileName, getMessage(), where, fix, getCause());
    }

    /** One line for the user: {@code FILE: message (at WHERE). FIX}. */
    public String userMessage() {
        StringBuilder sb = new StringBuilder();
        if (file != null) {
            sb.append(file).append(": ");
        }
        sb.append(getMessage());
        if (where != null) {
            sb.append(" (at ").append(where).append(')');
        }
        if (fix != null) {
            sb.append(". ").append(fix);
        }
        return sb.toString();
    }
}

package dev.sdfarm.checkpoint.slim;

/** What to do with the tensors of one component. */
public enum ComponentOp {
    /** Cast floating-point tensors to the requested precision (integers are never touched). */
    CONVERT,
    /** Keep the component's dtypes as they are. */
    COPY,
    /** Leave the component out. */
    DELETE;

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

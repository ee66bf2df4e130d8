package dev.sdfarm.checkpoint.pickle;

/** Python's {@code None}. A singleton rather than Java {@code null}, so it can be a dict key or list item. */
public enum PyNone {
    NONE;

    @Override
    public String toString() {
        return "None";
    }
}

package dev.sdfarm.checkpoint;

/** Counted nouns for messages: "1 tensor", "3 tensors". */
public final class Counts {
    private Counts() {
    }

    public static String tensors(long n) {
        return n + (n == 1 ? " tensor" : " tensors");
    }

    public static String values(long n) {
        return n + (n == 1 ? " value" : " values");
    }
}

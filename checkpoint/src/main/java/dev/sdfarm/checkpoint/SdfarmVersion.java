package dev.sdfarm.checkpoint;

/** The product version, recorded in the provenance of every file sdfarm writes. */
public final class SdfarmVersion {
    public static final String VERSION = "0.1.0";

    private SdfarmVersion() {
    }
}

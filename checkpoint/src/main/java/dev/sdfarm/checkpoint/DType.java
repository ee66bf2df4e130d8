package dev.sdfarm.checkpoint;

import java.util.Optional;

/**
 * Element types a checkpoint tensor can have, with their names in the two file formats.
 *
 * <p>{@code safetensorsName} is the dtype string of the safetensors header; {@code torchStorage} is the
 * legacy typed-storage class torch pickles for it ({@code torch.FloatStorage}), or null where torch has none.
 */
public enum DType {
    F64("F64", 8, "DoubleStorage", Kind.FLOAT),
    F32("F32", 4, "FloatStorage", Kind.FLOAT),
    F16("F16", 2, "HalfStorage", Kind.FLOAT),
    BF16("BF16", 2, "BFloat16Storage", Kind.FLOAT),
    F8_E4M3FN("F8_E4M3", 1, null, Kind.FLOAT),
    F8_E5M2("F8_E5M2", 1, null, Kind.FLOAT),
    I64("I64", 8, "LongStorage", Kind.INTEGER),
    I32("I32", 4, "IntStorage", Kind.INTEGER),
    I16("I16", 2, "ShortStorage", Kind.INTEGER),
    I8("I8", 1, "CharStorage", Kind.INTEGER),
    U64("U64", 8, null, Kind.INTEGER),
    U32("U32", 4, null, Kind.INTEGER),
    U16("U16", 2, null, Kind.INTEGER),
    U8("U8", 1, "ByteStorage", Kind.INTEGER),
    BOOL("BOOL", 1, "BoolStorage", Kind.BOOL);

    /** What the bits mean. */
    public enum Kind { FLOAT, INTEGER, BOOL }

    private final String safetensorsName;
    private final int size;
    private final String torchStorage;
    private final Kind kind;

    DType(String safetensorsName, int size, String torchStorage, Kind kind) {
        this.safetensorsName = safetensorsName;
        this.size = size;
        this.torchStorage = torchStorage;
        this.kind = kind;
    }

    /** Bytes per element. */
    public int size() {
        return size;
    }

    public boolean isFloatingPoint() {
        return kind == Kind.FLOAT;
    }

    public Kind kind() {
        return kind;
    }

    /** The dtype string used in safetensors headers, e.g. {@code F16}. */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** The torch typed-storage class name (without the {@code torch.} module), if torch has one. */
    public Optional<String> torchStorage() {
        return Optional.ofNullable(torchStorage);
    }

    /** Short lower-case name for reports: fp32, fp16, bf16, fp8-e4m3fn, i64, ... */
    public String displayName() {
        return switch (this) {
            case F64 -> "fp64";
            case F32 -> "fp32";
            case F16 -> "fp16";
            case BF16 -> "bf16";
            case F8_E4M3FN -> "fp8-e4m3fn";
            case F8_E5M2 -> "fp8-e5m2";
            case BOOL -> "bool";
            default -> name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    public static Optional<DType> fromSafetensorsName(String name) {
        for (DType t : values()) {
            if (t.safetensorsName.equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** Looks up a torch storage class name such as {@code HalfStorage}. */
    public static Optional<DType> fromTorchStorage(String className) {
        for (DType t : values()) {
            if (className.equals(t.torchStorage)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}

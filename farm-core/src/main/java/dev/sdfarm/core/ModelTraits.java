package dev.sdfarm.core;

import dev.sdfarm.checkpoint.inspect.Inspection;
import java.util.Comparator;
import java.util.Locale;

/**
 * How the farm describes a checkpoint in its model registry and conversion results, in one vocabulary.
 *
 * @param family    the model family's id as {@code inspect} reports it ({@code sd1}, {@code sdxl-base}, ...)
 * @param precision the dtype holding most of the file's bytes ({@code fp16}, {@code fp32}, ...), or
 *                  {@code unknown} for a file without tensors
 * @param ema       {@value #EMA} when the file carries EMA weights, else {@value #NO_EMA}
 */
public record ModelTraits(String family, String precision, String ema) {
    public static final String EMA = "ema";
    public static final String NO_EMA = "no-ema";

    /** The traits of an inspected checkpoint. */
    public static ModelTraits of(Inspection in) {
        String precision = in.totals().dtypes().stream()
                .max(Comparator.comparingLong(Inspection.DTypeCount::bytes))
                .map(d -> d.dtype().toLowerCase(Locale.ROOT)).orElse("unknown");
        return new ModelTraits(in.model().id(), precision, in.ema().present() ? EMA : NO_EMA);
    }
}

package dev.sdfarm.gateway.conversion;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sdfarm.core.store.ObjectKeys;
import dev.sdfarm.gateway.problem.Problem;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What a conversion does, as the API takes it ({@code "options"}) and as the converter's flags give it. Omitted
 * values take the defaults of a slimming run: fp16, EMA dropped, safetensors, nothing else.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ConversionOptions(
        @JsonProperty("precision") String precision,
        @JsonProperty("ema") String ema,
        @JsonProperty("format") String format,
        @JsonProperty("drop_junk") Boolean dropJunk,
        @JsonProperty("fix_clip") Boolean fixClip,
        @JsonProperty("keep_only_known") Boolean keepOnlyKnown,
        @JsonProperty("bake_vae") String bakeVae) {

    static final Set<String> PRECISIONS = Set.of("fp16", "bf16", "fp32");
    static final Set<String> EMA_MODES = Set.of("keep", "drop", "only");
    static final Set<String> FORMATS = Set.of("safetensors", "ckpt");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The defaults: {@code {"precision":"fp16","ema":"drop","format":"safetensors"}}. */
    public static ConversionOptions defaults() {
        return new ConversionOptions(null, null, null, null, null, null, null).resolved();
    }

    /** These options with every omitted value set to its default. */
    public ConversionOptions resolved() {
        return new ConversionOptions(precision == null ? "fp16" : precision, ema == null ? "drop" : ema,
                format == null ? "safetensors" : format, dropJunk != null && dropJunk, fixClip != null && fixClip,
                keepOnlyKnown != null && keepOnlyKnown, bakeVae);
    }

    /** What is wrong with these options, one error per field (named as in the body: {@code options.ema}). */
    public List<Problem.FieldError> problems() {
        List<Problem.FieldError> errors = new ArrayList<>();
        check(errors, "precision", precision, PRECISIONS);
        check(errors, "ema", ema, EMA_MODES);
        check(errors, "format", format, FORMATS);
        if (bakeVae != null) {
            try {
                ObjectKeys.require(bakeVae);
            } catch (IllegalArgumentException e) {
                errors.add(new Problem.FieldError("options.bake_vae", e.getMessage()));
            }
        }
        return errors;
    }

    private static void check(List<Problem.FieldError> errors, String name, String value, Set<String> allowed) {
        if (value != null && !allowed.contains(value)) {
            errors.add(new Problem.FieldError("options." + name, "'" + value + "' is not one of "
                    + allowed.stream().sorted().toList()));
        }
    }

    /** The converter's flags for these (resolved) options, as the converter contract names them. */
    public List<String> converterFlags() {
        List<String> args = new ArrayList<>(List.of("--precision", precision, "--ema", ema, "--format", format));
        if (dropJunk) {
            args.add("--drop-junk");
        }
        if (fixClip) {
            args.add("--fix-clip");
        }
        if (keepOnlyKnown) {
            args.add("--keep-only-known");
        }
        if (bakeVae != null) {
            args.add("--bake-vae");
            args.add(bakeVae);
        }
        return args;
    }

    /**
     * The (resolved) options in one canonical line, equal for equal options; a bulk run compares it to skip
     * sources already converted alike. A VAE key is kept whole: keys are at most 512 bytes, the column 600.
     */
    public String canonical() {
        return precision + " ema=" + ema + " " + format + (dropJunk ? " drop-junk" : "") + (fixClip ? " fix-clip" : "")
                + (keepOnlyKnown ? " keep-only-known" : "") + (bakeVae != null ? " bake-vae=" + bakeVae : "");
    }

    /**
     * The output key for {@code relative} (a source key, or its part below a bulk run's source prefix) under
     * {@code destPrefix}: {@code <dest_prefix><dir/><stem>-<precision>[-ema-<mode>].<format>}, where the EMA part
     * is there unless EMA weights are dropped (the default) and the stem is the file name up to its last dot.
     */
    public String outputKey(String destPrefix, String relative) {
        int slash = relative.lastIndexOf('/');
        String dir = relative.substring(0, slash + 1);
        String file = relative.substring(slash + 1);
        int dot = file.lastIndexOf('.');
        String stem = dot > 0 ? file.substring(0, dot) : file;
        return destPrefix + dir + stem + "-" + precision + (ema.equals("drop") ? "" : "-ema-" + ema) + "." + format;
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ConversionOptions fromJson(String json) {
        try {
            return JSON.readValue(json, ConversionOptions.class);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}

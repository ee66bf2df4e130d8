package dev.sdfarm.checkpoint.anatomy;

import java.util.List;
import java.util.Objects;

/**
 * What a file was recognised as, and why.
 *
 * @param family   the recognised family
 * @param detail   refinement for people (LoRA flavour, missing components, unusual input channels); may be empty
 * @param evidence the observations the decision rests on, one sentence each, naming keys and shapes
 */
public record ModelDescription(ModelFamily family, String detail, List<String> evidence) {

    public ModelDescription {
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(detail, "detail");
        evidence = List.copyOf(evidence);
    }

    /** The family's stable identifier, for JSON. */
    public String id() {
        return family.id();
    }

    /** The family's name plus the detail, e.g. {@code LoRA (kohya, for SDXL)}. */
    public String displayName() {
        return detail.isEmpty() ? family.displayName() : family.displayName() + " (" + detail + ")";
    }
}

package dev.sdfarm.checkpoint.anatomy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a checkpoint is made of: its family, the published architecture it matches, the component of every
 * tensor, which tensors are junk, and which belong to the architecture at all ("known").
 *
 * <p>The reference for "known" is the preset of the detected family whose key/shape pairs match most of the
 * file's tensors (so a {@link ArchitecturePreset#TINY_SD1} file is judged against the tiny network, not
 * SD1.5), together with that preset's EMA twins, LitEma's bookkeeping and {@code logvar}. VAE files are
 * judged against the presets' VAE that matches best (the Stable Diffusion VAE, or the tiny one), bare or
 * under {@code first_stage_model.}. LoRA, embedding,
 * hypernetwork and unknown files have no reference: every tensor counts as known, so that filtering on
 * known keys never empties them.
 */
public final class ModelAnatomy {
    private final CheckpointListing listing;
    private final ModelDescription description;
    private final ArchitecturePreset architecture;
    private final TensorLayout reference;

    private ModelAnatomy(CheckpointListing listing, ModelDescription description, ArchitecturePreset architecture,
                         TensorLayout reference) {
        this.listing = listing;
        this.description = description;
        this.architecture = architecture;
        this.reference = reference;
    }

    public static ModelAnatomy of(CheckpointListing listing) {
        ModelDescription description = ModelFamilyDetector.detect(listing);
        ModelFamily family = description.family();
        if (family.isFullModel()) {
            ArchitecturePreset best = bestMatch(listing, ArchitecturePreset.forFamily(family));
            return new ModelAnatomy(listing, description, best, referenceFor(best));
        }
        if (family == ModelFamily.VAE) {
            return new ModelAnatomy(listing, description, null, vaeReference(listing));
        }
        return new ModelAnatomy(listing, description, null, null);
    }

    public ModelDescription description() {
        return description;
    }

    public ModelFamily family() {
        return description.family();
    }

    /** The preset this full model matches best; empty for single-component files. */
    public Optional<ArchitecturePreset> architecture() {
        return Optional.ofNullable(architecture);
    }

    /** True when there is an architecture to judge keys against (full models and VAE files). */
    public boolean hasReferenceLayout() {
        return reference != null;
    }

    public Component component(String key) {
        return Component.classify(key, family());
    }

    /** Why {@code key} is a known leftover in this kind of file, or empty. */
    public Optional<String> junkReason(String key) {
        return JunkKeys.reason(key, family());
    }

    /**
     * True when {@code key} with {@code shape} belongs to the recognised architecture: a tensor of its
     * layout (old text-encoder names count under their current name), a schedule buffer, an EMA twin of a
     * UNet tensor or EMA bookkeeping. Junk is never known. Without a reference layout every key is known.
     */
    public boolean isKnown(String key, long[] shape) {
        if (reference == null) {
            return true;
        }
        if (JunkKeys.isJunk(key, family())) {
            return false;
        }
        return reference.contains(LegacyTextEncoderKeys.modernName(key), shape);
    }

    /** Tensors of the file that {@link #isKnown} rejects, in file order. */
    public List<TensorInfo> unknownTensors() {
        return listing.tensors().stream().filter(t -> !isKnown(t.name(), t.shape())).toList();
    }

    /** Tensors of the file that are known leftovers, in file order. */
    public List<TensorInfo> junkTensors() {
        return listing.tensors().stream().filter(t -> JunkKeys.isJunk(t.name(), family())).toList();
    }

    /** The file's tensors grouped by component, components in declaration order. */
    public Map<Component, List<TensorInfo>> tensorsByComponent() {
        Map<Component, List<TensorInfo>> out = new LinkedHashMap<>();
        for (Component c : Component.values()) {
            out.put(c, new ArrayList<>());
        }
        listing.tensors().forEach(t -> out.get(component(t.name())).add(t));
        out.replaceAll((c, l) -> List.copyOf(l));
        return out;
    }

    /** Old-name to new-name renames the file's text encoder needs (see {@link LegacyTextEncoderKeys}). */
    public Map<String, String> legacyRenames() {
        return LegacyTextEncoderKeys.renames(listing.names());
    }

    /** Where this family keeps CLIP's int64 position ids (see {@link ModelFamily#positionIdsKey()}). */
    public Optional<String> positionIdsKey() {
        return family().positionIdsKey();
    }

    public CheckpointListing listing() {
        return listing;
    }

    private static ArchitecturePreset bestMatch(CheckpointListing listing, List<ArchitecturePreset> candidates) {
        ArchitecturePreset best = null;
        long bestScore = -1;
        for (ArchitecturePreset p : candidates) {
            TensorLayout layout = p.layout();
            long score = listing.tensors().stream()
                    .filter(t -> layout.contains(LegacyTextEncoderKeys.modernName(t.name()), t.shape()))
                    .count();
            if (score > bestScore) { // ties keep the earlier, more common preset
                best = p;
                bestScore = score;
            }
        }
        return best;
    }

    private static TensorLayout referenceFor(ArchitecturePreset preset) {
        TensorLayout.Builder extra = TensorLayout.builder();
        if (preset.schedule().contains(ScheduleBuffers.LDM_NAMES.getFirst())) {
            extra.add(ScheduleBuffers.LOGVAR, ScheduleBuffers.TIMESTEPS);
        }
        return TensorLayout.concat(preset.layoutWithEma(), extra.build());
    }

    private static TensorLayout vaeReference(CheckpointListing listing) {
        Set<AutoencoderConfig> configs = new LinkedHashSet<>();
        ArchitecturePreset.all().forEach(p -> configs.add(p.vae()));
        TensorLayout best = null;
        long bestScore = -1;
        for (AutoencoderConfig c : configs) {
            TensorLayout bare = c.layout();
            TensorLayout both = TensorLayout.concat(bare, bare.withPrefix(CheckpointKeys.VAE));
            long score = listing.tensors().stream().filter(t -> both.contains(t.name(), t.shape())).count();
            if (score > bestScore) {
                best = both;
                bestScore = score;
            }
        }
        return best;
    }
}

package dev.sdfarm.checkpoint.slim;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.CheckpointException;
import dev.sdfarm.checkpoint.CheckpointFormat;
import dev.sdfarm.checkpoint.Counts;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.checkpoint.anatomy.CheckpointKeys;
import dev.sdfarm.checkpoint.anatomy.Component;
import dev.sdfarm.checkpoint.anatomy.EmaKeys;
import dev.sdfarm.checkpoint.anatomy.ModelAnatomy;
import dev.sdfarm.checkpoint.anatomy.ModelFamily;
import dev.sdfarm.checkpoint.inspect.CheckpointInspector;
import dev.sdfarm.checkpoint.slim.SlimPlan.Planned;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns a checkpoint and {@link SlimOptions} into a {@link SlimPlan}. Every check that can fail on the input
 * (a missing EMA twin, a VAE that does not fit, an option the file cannot honour) fails here, before any
 * output file is created.
 */
public final class SlimPlanner {
    private final Checkpoint cp;
    private final ModelAnatomy anatomy;
    private final SlimOptions opts;
    private final Checkpoint vae;
    private final LinkedHashMap<String, Planned> out = new LinkedHashMap<>();
    private final Map<String, String> renames = new LinkedHashMap<>();
    private final List<String> actions = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    private SlimPlanner(Checkpoint cp, ModelAnatomy anatomy, SlimOptions opts, Checkpoint vae) {
        this.cp = cp;
        this.anatomy = anatomy;
        this.opts = opts;
        this.vae = vae;
    }

    /**
     * @param vae the opened {@code --bake-vae} file, or null
     * @throws CheckpointException when the input cannot be converted as asked
     */
    public static SlimPlan plan(Checkpoint cp, ModelAnatomy anatomy, SlimOptions opts, Checkpoint vae)
            throws IOException {
        return new SlimPlanner(cp, anatomy, opts, vae).build();
    }

    private SlimPlan build() throws IOException {
        for (StoredTensor t : cp.tensors()) {
            out.put(t.name(), new Planned(t.name(), t, cp, t.dtype(), t.shape(), null));
        }
        if (opts.fixClip()) {
            renameLegacyTextEncoder();
        }
        ema();
        if (vae != null) {
            bakeVae();
        }
        if (opts.fixClip()) {
            fixPositionIds();
        }
        Set<String> keptExtras = new LinkedHashSet<>(cp.torch().map(tc -> tc.extras().keySet()).orElse(Set.of()));
        if (opts.dropJunk()) {
            dropJunk(keptExtras);
        }
        if (opts.keepOnlyKnown()) {
            keepOnlyKnown();
        }
        applyComponentOps();
        if (opts.format() == CheckpointFormat.SAFETENSORS && !keptExtras.isEmpty()) {
            actions.add("left out " + keptExtras.size() + " training-state entries safetensors cannot hold ("
                    + String.join(", ", keptExtras) + ")");
            keptExtras.clear();
        }
        return new SlimPlan(List.copyOf(out.values()), Map.copyOf(renames), Set.copyOf(keptExtras),
                List.copyOf(actions), List.copyOf(warnings));
    }

    private CheckpointException fail(String message, String where, String fix) {
        return new CheckpointException(cp.path().toString(), message, where, fix, null);
    }

    private void renameLegacyTextEncoder() {
        Map<String, String> legacy = anatomy.legacyRenames();
        if (legacy.isEmpty()) {
            return;
        }
        LinkedHashMap<String, Planned> renamed = new LinkedHashMap<>();
        for (Planned p : out.values()) {
            String n = legacy.getOrDefault(p.name(), p.name());
            if (renamed.containsKey(n)) {
                throw fail("renaming the old text-encoder key " + p.name() + " would overwrite " + n,
                        "key " + p.name(), "The file has both the old and the new text-encoder layout; "
                                + "remove one of them first");
            }
            renamed.put(n, n.equals(p.name()) ? p : new Planned(n, p.source(), p.from(), p.target(), p.shape(), null));
        }
        out.clear();
        out.putAll(renamed);
        renames.putAll(legacy);
        actions.add("renamed " + legacy.size() + " old NovelAI-style text-encoder keys to the text_model. layout");
    }

    private void ema() {
        List<String> emaKeys = out.keySet().stream().filter(EmaKeys::isEmaKey).toList();
        long emaWeights = emaKeys.stream().filter(k -> !EmaKeys.isBookkeeping(k)).count();
        if (opts.ema() == EmaMode.KEEP) {
            return;
        }
        if (!anatomy.family().isFullModel()) {
            actions.add("EMA options do not apply to " + anatomy.description().displayName() + " files");
            return;
        }
        if (opts.ema() == EmaMode.ONLY) {
            if (emaWeights == 0) {
                throw fail("--ema only asks for EMA weights, but the file has none (no model_ema.* tensors)", null,
                        "Use --ema keep or --ema drop for this file");
            }
            List<String> missing = new ArrayList<>();
            int replaced = 0;
            for (Planned p : List.copyOf(out.values())) {
                if (!p.name().startsWith(CheckpointKeys.UNET)) {
                    continue;
                }
                String twinKey = EmaKeys.emaKeyFor(p.name());
                Planned twin = out.get(twinKey);
                if (twin == null) {
                    missing.add(p.name() + " (expected " + twinKey + ")");
                    continue;
                }
                if (!Arrays.equals(twin.shape(), p.shape())) {
                    throw fail("EMA twin " + twinKey + " has shape " + Arrays.toString(twin.shape())
                            + " but the UNet weight has " + Arrays.toString(p.shape()), "key " + twinKey,
                            "The EMA weights do not belong to this UNet; use --ema drop");
                }
                out.put(p.name(), new Planned(p.name(), twin.source(), twin.from(), twin.target(), p.shape(), null));
                replaced++;
            }
            if (!missing.isEmpty()) {
                throw fail(missing.size() + " UNet weights have no EMA twin, e.g. " + missing.getFirst(),
                        "key " + missing.getFirst().substring(0, missing.getFirst().indexOf(' ')),
                        "The EMA weights are incomplete; use --ema drop (or keep) instead of --ema only");
            }
            emaKeys.forEach(out::remove);
            actions.add("replaced " + replaced + " UNet weights by their EMA twins and removed model_ema.* ("
                    + Counts.tensors(emaKeys.size()) + ")");
        } else if (emaKeys.isEmpty()) {
            actions.add("no EMA weights to drop");
        } else {
            long bytes = emaKeys.stream().mapToLong(k -> out.get(k).outputBytes()).sum();
            emaKeys.forEach(out::remove);
            actions.add("dropped " + emaKeys.size() + " EMA " + (emaKeys.size() == 1 ? "tensor" : "tensors") + " ("
                    + Counts.bytes(bytes) + ")");
        }
    }

    private void bakeVae() {
        if (!anatomy.family().isFullModel()) {
            throw fail("--bake-vae needs a full Stable Diffusion checkpoint, but this is a "
                    + anatomy.description().displayName(), null, "Bake the VAE into a full checkpoint");
        }
        ModelAnatomy vaeAnatomy = CheckpointInspector.anatomyOf(vae);
        boolean fullModel = vaeAnatomy.family().isFullModel();
        if (!fullModel && vaeAnatomy.family() != ModelFamily.VAE) {
            throw new CheckpointException(vae.path().toString(), "not a VAE: it looks like a "
                    + vaeAnatomy.description().displayName(), null, "Pass a VAE file (.pt/.ckpt/.safetensors) to --bake-vae", null);
        }
        int replaced = 0;
        int skipped = 0;
        Set<String> covered = new LinkedHashSet<>();
        for (StoredTensor t : vae.tensors()) {
            String key = t.name().startsWith(CheckpointKeys.VAE) ? t.name().substring(CheckpointKeys.VAE.length())
                    : fullModel ? null : t.name();
            if (key == null) {
                continue; // the other parts of a full checkpoint used as a VAE source
            }
            if (key.startsWith("loss.") || EmaKeys.isEmaKey(key) || key.startsWith("model_ema")) {
                skipped++;
                continue;
            }
            String target = CheckpointKeys.VAE + key;
            Planned p = out.get(target);
            if (p == null) {
                throw new CheckpointException(vae.path().toString(), "VAE tensor " + t.name()
                        + " has no counterpart " + target + " in " + cp.path().getFileName(), "key " + t.name(),
                        "Check that the VAE belongs to this model family", null);
            }
            if (!Arrays.equals(p.shape(), t.shape())) {
                throw new CheckpointException(vae.path().toString(), "VAE tensor " + t.name() + " has shape "
                        + Arrays.toString(t.shape()) + " but " + target + " has " + Arrays.toString(p.shape()),
                        "key " + t.name(), "Check that the VAE belongs to this model family", null);
            }
            out.put(target, new Planned(target, t, vae, t.dtype(), t.shape(), null));
            covered.add(target);
            replaced++;
        }
        if (replaced == 0) {
            throw new CheckpointException(vae.path().toString(), "no VAE weights found", null,
                    "Pass a VAE file whose keys are encoder.*/decoder.* (optionally under first_stage_model.)", null);
        }
        long notCovered = out.keySet().stream().filter(k -> k.startsWith(CheckpointKeys.VAE) && !covered.contains(k))
                .count();
        actions.add("baked " + replaced + " VAE tensors from " + vae.path().getFileName()
                + (skipped > 0 ? " (skipped " + skipped + " training-only tensors)" : ""));
        if (notCovered > 0) {
            warnings.add(notCovered + " VAE tensors of the checkpoint are not in " + vae.path().getFileName()
                    + " and were kept");
        }
    }

    private void fixPositionIds() throws IOException {
        var key = anatomy.positionIdsKey();
        if (key.isEmpty()) {
            return;
        }
        Planned p = out.get(key.get());
        if (p == null) {
            actions.add("no CLIP position_ids in the file; none added");
            return;
        }
        var check = CheckpointInspector.checkPositions(cp, p.source());
        long n = p.source().numel();
        if (check.state().equals("ok") && p.source().dtype() == DType.I64) {
            actions.add("CLIP position_ids already int64 0.." + (n - 1) + "; kept");
            return;
        }
        ByteBuffer ids = ByteBuffer.allocate((int) n * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < n; i++) {
            ids.putLong(i);
        }
        long[] shape = p.shape().length == 2 ? p.shape() : new long[] {1, n};
        out.put(p.name(), new Planned(p.name(), null, null, DType.I64, shape, ids.array()));
        String was = p.source().dtype().displayName() + switch (check.state()) {
            case "broken" -> ", broken: " + check.nonIntegral() + " non-integral values";
            case "not-arange" -> ", not 0.." + (n - 1);
            default -> "";
        };
        actions.add("CLIP position_ids repaired: were " + was + ", now int64 0.." + (n - 1));
    }

    private void dropJunk(Set<String> keptExtras) {
        Map<String, Integer> byReason = new LinkedHashMap<>();
        for (Planned p : List.copyOf(out.values())) {
            anatomy.junkReason(p.name()).ifPresent(r -> {
                out.remove(p.name());
                byReason.merge(r, 1, Integer::sum);
            });
        }
        byReason.forEach((r, n) -> actions.add("dropped " + Counts.tensors(n) + " of junk: " + r));
        if (!keptExtras.isEmpty()) {
            actions.add("dropped training state: " + String.join(", ", keptExtras));
        } else if (byReason.isEmpty()) {
            actions.add("no junk found");
        }
        keptExtras.clear();
    }

    private void keepOnlyKnown() {
        if (!anatomy.hasReferenceLayout()) {
            actions.add("--keep-only-known: " + anatomy.description().displayName()
                    + " files have no reference layout; every tensor kept");
            return;
        }
        List<String> unknown = out.values().stream()
                .filter(p -> !anatomy.isKnown(p.name(), p.shape())).map(Planned::name).toList();
        unknown.forEach(out::remove);
        actions.add(unknown.isEmpty() ? "every tensor belongs to the " + anatomy.description().displayName()
                + " architecture" : "dropped " + Counts.tensors(unknown.size()) + " outside the architecture, e.g. "
                + unknown.getFirst());
    }

    private void applyComponentOps() {
        Map<Component, int[]> deleted = new LinkedHashMap<>();
        for (Planned p : List.copyOf(out.values())) {
            Component c = anatomy.component(p.name());
            ComponentOp op = switch (c) {
                case UNET -> opts.unet();
                case EMA -> EmaKeys.isBookkeeping(p.name()) ? ComponentOp.COPY : opts.unet();
                case TEXT_ENCODER -> opts.textEncoder();
                case VAE -> opts.vae();
                case SCHEDULE -> ComponentOp.COPY;
                case OTHER -> opts.other();
            };
            if (op == ComponentOp.DELETE) {
                out.remove(p.name());
                deleted.computeIfAbsent(c, k -> new int[1])[0]++;
                continue;
            }
            DType target = p.target();
            if (op == ComponentOp.CONVERT && opts.precision() != null && p.generated() == null
                    && target.isFloatingPoint()) {
                target = opts.precision();
            }
            if (target != p.target()) {
                out.put(p.name(), new Planned(p.name(), p.source(), p.from(), target, p.shape(), null));
            }
            if (opts.format() == CheckpointFormat.TORCH_ZIP && target.torchStorage().isEmpty()) {
                throw new CheckpointException(cp.path().toString(), "torch archives have no storage type for "
                        + target.displayName() + " tensors", "key " + p.name(),
                        "Write " + target.displayName() + " as .safetensors (--format safetensors)", null);
            }
        }
        deleted.forEach((c, n) -> actions.add("deleted the " + c.id().replace('_', ' ') + " (" + Counts.tensors(n[0]) + ")"));
        if (opts.precision() != null) {
            actions.add("converted floating-point tensors of " + convertedComponents() + " to "
                    + opts.precision().displayName());
        }
    }

    private String convertedComponents() {
        List<String> names = new ArrayList<>();
        if (opts.unet() == ComponentOp.CONVERT) {
            names.add("UNet");
        }
        if (opts.textEncoder() == ComponentOp.CONVERT) {
            names.add("text encoder");
        }
        if (opts.vae() == ComponentOp.CONVERT) {
            names.add("VAE");
        }
        if (opts.other() == ComponentOp.CONVERT) {
            names.add("other tensors");
        }
        return names.isEmpty() ? "no component" : String.join(", ", names);
    }

}

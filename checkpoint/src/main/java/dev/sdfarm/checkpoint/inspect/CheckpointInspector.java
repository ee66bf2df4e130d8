package dev.sdfarm.checkpoint.inspect;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.CheckpointFormat;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.checkpoint.TensorValues;
import dev.sdfarm.checkpoint.anatomy.CheckpointListing;
import dev.sdfarm.checkpoint.anatomy.Component;
import dev.sdfarm.checkpoint.anatomy.EmaKeys;
import dev.sdfarm.checkpoint.anatomy.ModelAnatomy;
import dev.sdfarm.checkpoint.hash.ModelHashes;
import dev.sdfarm.checkpoint.inspect.Inspection.ComponentSummary;
import dev.sdfarm.checkpoint.inspect.Inspection.DTypeCount;
import dev.sdfarm.checkpoint.inspect.Inspection.EmaSummary;
import dev.sdfarm.checkpoint.inspect.Inspection.ExtraEntry;
import dev.sdfarm.checkpoint.inspect.Inspection.JunkGroup;
import dev.sdfarm.checkpoint.inspect.Inspection.JunkSummary;
import dev.sdfarm.checkpoint.inspect.Inspection.PositionIds;
import dev.sdfarm.checkpoint.inspect.Inspection.Sharing;
import dev.sdfarm.checkpoint.inspect.Inspection.Totals;
import dev.sdfarm.checkpoint.inspect.Inspection.Unknown;
import dev.sdfarm.checkpoint.torch.TorchGraphs;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/** Builds an {@link Inspection} of an open checkpoint. Reads only headers, small tensors and, if asked, hashes. */
public final class CheckpointInspector {
    /** Unknown keys listed by name in a report; the count covers all. */
    static final int MAX_LISTED_KEYS = 1000;

    private CheckpointInspector() {
    }

    /**
     * @param hash     whether to hash the whole file (the slow part for big files)
     * @param progress receives bytes hashed (may be null)
     */
    public static Inspection inspect(Checkpoint cp, boolean hash, LongConsumer progress) throws IOException {
        ModelAnatomy anatomy = anatomyOf(cp);
        List<String> warnings = new ArrayList<>();
        ModelHashes hashes = hash ? ModelHashes.compute(cp.channel(), cp.fileSize(), cp.dataStart(), progress) : null;

        Map<Component, List<StoredTensor>> byComponent = new EnumMap<>(Component.class);
        for (StoredTensor t : cp.tensors()) {
            byComponent.computeIfAbsent(anatomy.component(t.name()), c -> new ArrayList<>()).add(t);
        }
        List<ComponentSummary> components = new ArrayList<>();
        for (var e : byComponent.entrySet()) {
            List<StoredTensor> ts = e.getValue();
            components.add(new ComponentSummary(e.getKey().id(), ts.size(), numel(ts), bytes(ts), dtypes(ts)));
        }
        Totals totals = new Totals(cp.tensors().size(), numel(cp.tensors()), bytes(cp.tensors()),
                dtypes(cp.tensors()));

        Inspection.PositionIds positionIds = positionIds(cp, anatomy, warnings);
        List<StoredTensor> unknown = cp.tensors().stream().filter(t -> !anatomy.isKnown(t.name(), t.shape())).toList();
        String fmt = cp.format() == CheckpointFormat.SAFETENSORS ? "safetensors" : "torch-zip";
        int legacy = anatomy.legacyRenames().size();
        if (legacy > 0) {
            warnings.add(legacy + " text-encoder keys use the old NovelAI layout; --fix-clip renames them");
        }
        if (anatomy.family().isFullModel() && !unknown.isEmpty()) {
            warnings.add(unknown.size() + " tensors do not belong to the " + anatomy.description().displayName()
                    + " architecture; --keep-only-known drops them");
        }
        return new Inspection(
                new Inspection.FileInfo(cp.path().toString(), cp.fileSize(), fmt),
                hashes,
                anatomy.description(),
                anatomy.architecture().map(a -> a.id()).orElse(null),
                totals,
                components,
                ema(cp),
                junk(cp, anatomy),
                positionIds,
                new Unknown(unknown.size(), bytes(unknown),
                        unknown.stream().limit(MAX_LISTED_KEYS).map(StoredTensor::name).toList()),
                sharing(cp),
                legacy,
                cp.metadata(),
                warnings);
    }

    /** The anatomy of an open checkpoint (non-tensor entries come from a torch archive's graph). */
    public static ModelAnatomy anatomyOf(Checkpoint cp) {
        Collection<String> nonTensor = cp.torch().map(TorchGraphs::nonTensorEntryNames).orElse(List.of());
        return ModelAnatomy.of(CheckpointListing.ofStored(cp.tensors(), nonTensor));
    }

    /** Parameters as model cards count them: elements of floating-point tensors (integer buffers excluded). */
    private static long numel(Collection<StoredTensor> ts) {
        return ts.stream().filter(t -> t.dtype().isFloatingPoint()).mapToLong(StoredTensor::numel).sum();
    }

    private static long bytes(Collection<StoredTensor> ts) {
        return ts.stream().mapToLong(StoredTensor::byteSize).sum();
    }

    private static List<DTypeCount> dtypes(Collection<StoredTensor> ts) {
        Map<DType, long[]> m = new EnumMap<>(DType.class);
        for (StoredTensor t : ts) {
            long[] c = m.computeIfAbsent(t.dtype(), d -> new long[2]);
            c[0]++;
            c[1] += t.byteSize();
        }
        List<DTypeCount> out = new ArrayList<>();
        m.forEach((d, c) -> out.add(new DTypeCount(d.displayName(), c[0], c[1])));
        return out;
    }

    private static EmaSummary ema(Checkpoint cp) throws IOException {
        List<StoredTensor> weights = cp.tensors().stream()
                .filter(t -> EmaKeys.isEmaKey(t.name()) && !EmaKeys.isBookkeeping(t.name())).toList();
        Double decay = scalar(cp, EmaKeys.DECAY);
        Double updates = scalar(cp, EmaKeys.NUM_UPDATES);
        boolean present = !weights.isEmpty();
        return new EmaSummary(present, weights.size(), bytes(weights), decay,
                updates == null ? null : (long) (double) updates);
    }

    private static Double scalar(Checkpoint cp, String key) throws IOException {
        var t = cp.tensor(key);
        if (t.isEmpty() || t.get().numel() != 1 || !t.get().isContiguous()) {
            return null;
        }
        return TensorValues.read(cp, t.get())[0];
    }

    private static JunkSummary junk(Checkpoint cp, ModelAnatomy anatomy) {
        Map<String, List<StoredTensor>> byReason = new LinkedHashMap<>();
        for (StoredTensor t : cp.tensors()) {
            anatomy.junkReason(t.name()).ifPresent(r -> byReason.computeIfAbsent(r, k -> new ArrayList<>()).add(t));
        }
        List<JunkGroup> groups = new ArrayList<>();
        byReason.forEach((reason, ts) -> groups.add(new JunkGroup(reason, ts.size(), bytes(ts),
                ts.stream().limit(3).map(StoredTensor::name).toList())));
        List<ExtraEntry> extras = new ArrayList<>();
        cp.torch().ifPresent(tc -> tc.extras().forEach((name, value) -> {
            List<StoredTensor> ts = TorchGraphs.tensorsIn(value);
            extras.add(new ExtraEntry(name, ts.size(), bytes(ts)));
        }));
        long tensors = groups.stream().mapToLong(JunkGroup::tensors).sum()
                + extras.stream().mapToLong(ExtraEntry::tensors).sum();
        long bytes = groups.stream().mapToLong(JunkGroup::bytes).sum()
                + extras.stream().mapToLong(ExtraEntry::bytes).sum();
        return new JunkSummary(tensors, bytes, groups, extras);
    }

    private static PositionIds positionIds(Checkpoint cp, ModelAnatomy anatomy, List<String> warnings)
            throws IOException {
        var key = anatomy.positionIdsKey();
        if (key.isEmpty()) {
            return null;
        }
        var t = cp.tensor(key.get());
        if (t.isEmpty()) {
            // Old-layout text encoders keep them under the pre-rename key.
            String legacy = anatomy.legacyRenames().entrySet().stream()
                    .filter(e -> e.getValue().equals(key.get())).map(Map.Entry::getKey).findFirst().orElse(null);
            t = legacy == null ? t : cp.tensor(legacy);
        }
        if (t.isEmpty()) {
            return new PositionIds(key.get(), "absent", null, null, 0);
        }
        StoredTensor p = t.get();
        PositionCheck check = checkPositions(cp, p);
        switch (check.state) {
            case "broken" -> warnings.add("CLIP position_ids hold " + check.nonIntegral
                    + " non-integral values, which shifts token positions; --fix-clip repairs them");
            case "not-arange" -> warnings.add("CLIP position_ids are not 0.." + (p.numel() - 1)
                    + "; --fix-clip repairs them");
            case "float" -> warnings.add("CLIP position_ids are stored as " + p.dtype().displayName()
                    + "; --fix-clip stores them as int64");
            default -> {
            }
        }
        return new PositionIds(p.name(), check.state, p.dtype().displayName(), p.shape(), check.nonIntegral);
    }

    /** Result of judging position ids: see {@link Inspection.PositionIds#state()}. */
    public record PositionCheck(String state, long nonIntegral) {
    }

    /** Judges a position-ids tensor: ok, float, broken (non-integral) or not-arange. */
    public static PositionCheck checkPositions(Checkpoint cp, StoredTensor p) throws IOException {
        if (!p.isContiguous() || p.numel() > TensorValues.MAX_ELEMENTS) {
            return new PositionCheck("not-arange", 0);
        }
        double[] v = TensorValues.read(cp, p);
        long nonIntegral = 0;
        boolean arange = true;
        for (int i = 0; i < v.length; i++) {
            if (v[i] != Math.rint(v[i])) {
                nonIntegral++;
            }
            if (v[i] != i) {
                arange = false;
            }
        }
        if (nonIntegral > 0) {
            return new PositionCheck("broken", nonIntegral);
        }
        if (!arange) {
            return new PositionCheck("not-arange", 0);
        }
        return new PositionCheck(p.dtype().isFloatingPoint() ? "float" : "ok", 0);
    }

    private static Sharing sharing(Checkpoint cp) {
        if (cp.format() != CheckpointFormat.TORCH_ZIP) {
            return new Sharing(0, 0);
        }
        Map<String, Integer> users = new HashMap<>();
        for (StoredTensor t : cp.tensors()) {
            users.merge(t.storage().key(), 1, Integer::sum);
        }
        long shared = cp.tensors().stream().filter(t -> users.get(t.storage().key()) > 1).count();
        long views = cp.tensors().stream().filter(t -> !t.coversStorage()).count();
        return new Sharing(shared, views);
    }
}

package dev.sdfarm.checkpoint.anatomy;

import dev.sdfarm.checkpoint.DType;
import java.util.ArrayList;
import java.util.List;

/** Small builders for hand-made checkpoint listings in tests. */
final class Listings {
    private final List<TensorInfo> tensors = new ArrayList<>();
    private final List<String> nonTensorEntries = new ArrayList<>();

    static Listings with() {
        return new Listings();
    }

    static CheckpointListing of(ArchitecturePreset preset) {
        return CheckpointListing.ofLayout(preset.layout(), DType.F16);
    }

    Listings f16(String name, long... shape) {
        tensors.add(new TensorInfo(name, DType.F16, shape));
        return this;
    }

    Listings f32(String name, long... shape) {
        tensors.add(new TensorInfo(name, DType.F32, shape));
        return this;
    }

    Listings i64(String name, long... shape) {
        tensors.add(new TensorInfo(name, DType.I64, shape));
        return this;
    }

    Listings layout(TensorLayout layout) {
        layout.specs().forEach(s -> tensors.add(TensorInfo.of(s, DType.F16)));
        return this;
    }

    Listings nonTensor(String... names) {
        nonTensorEntries.addAll(List.of(names));
        return this;
    }

    CheckpointListing build() {
        return CheckpointListing.of(tensors, nonTensorEntries);
    }
}

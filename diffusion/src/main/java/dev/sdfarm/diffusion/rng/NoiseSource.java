package dev.sdfarm.diffusion.rng;

import java.util.Locale;

/**
 * The random number sources of AUTOMATIC1111's "Random number generator source" setting
 * ({@code opts.randn_source}), by the values it stores.
 */
public enum NoiseSource implements NoiseFactory {
    /**
     * {@code "GPU"}, A1111's default: {@code torch.randn} on the CUDA device (cuRAND Philox4x32-10). There is no
     * CUDA here, so this is {@link PhiloxNoise}, the same generator A1111 runs on the CPU for {@link #NV}: equal
     * counters and keys, but its Box-Muller step rounds differently from cuRAND's float code, so a GPU's values can
     * differ in the last bits. (A1111 itself falls back to {@link #CPU} on Apple's MPS devices.)
     */
    GPU("GPU"),
    /** {@code "CPU"}: {@code torch.randn} on the CPU, {@link TorchCpuNoise}. */
    CPU("CPU"),
    /** {@code "NV"}: A1111's CPU imitation of CUDA's generator ({@code modules/rng_philox.py}), {@link PhiloxNoise}. */
    NV("NV");

    private final String settingValue;

    NoiseSource(String settingValue) {
        this.settingValue = settingValue;
    }

    /** The value A1111 stores for this source in its settings and writes as {@code RNG:} in infotexts. */
    public String settingValue() {
        return settingValue;
    }

    /** The source for a stored setting value ({@code "GPU"}, {@code "CPU"} or {@code "NV"}, any case). */
    public static NoiseSource fromSetting(String value) {
        String wanted = value.strip().toUpperCase(Locale.ROOT);
        for (NoiseSource source : values()) {
            if (source.settingValue.equals(wanted)) {
                return source;
            }
        }
        throw new IllegalArgumentException("unknown random number source \"" + value + "\" (expected GPU, CPU or NV)");
    }

    /**
     * A fresh generator seeded as A1111's {@code create_generator(seed)} seeds one for this source; for
     * {@link #CPU}, torch's AVX2 kernel ({@link TorchCpuKernel#AVX2}).
     */
    @Override
    public NoiseGenerator generator(long seed) {
        return switch (this) {
            case GPU, NV -> new PhiloxNoise(seed);
            case CPU -> new TorchCpuNoise(seed);
        };
    }
}

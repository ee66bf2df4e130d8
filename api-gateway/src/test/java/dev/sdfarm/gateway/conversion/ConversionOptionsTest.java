package dev.sdfarm.gateway.conversion;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConversionOptionsTest {
    @Test
    void outputKeyNamesPrecisionAndEmaUnlessDropped() {
        ConversionOptions slim = ConversionOptions.defaults();
        assertEquals("models/slim/sd15-fp16.safetensors", slim.outputKey("models/slim/", "sd15.ckpt"));
        assertEquals("out/a/b/v1.5-bf16-ema-only.ckpt", new ConversionOptions("bf16", "only", "ckpt", null, null,
                null, null).resolved().outputKey("out/", "a/b/v1.5.safetensors"));
    }

    @Test
    void flagsFollowTheConverterContract() {
        ConversionOptions o = new ConversionOptions("fp32", "keep", null, true, true, true, "vae/x.pt").resolved();
        assertEquals(List.of("--precision", "fp32", "--ema", "keep", "--format", "safetensors", "--drop-junk",
                "--fix-clip", "--keep-only-known", "--bake-vae", "vae/x.pt"), o.converterFlags());
        assertEquals(List.of("--precision", "fp16", "--ema", "drop", "--format", "safetensors"),
                ConversionOptions.defaults().converterFlags());
    }

    @Test
    void equalOptionsHaveOneCanonicalForm() {
        assertEquals(ConversionOptions.defaults().canonical(),
                new ConversionOptions("fp16", "drop", "safetensors", false, null, null, null).resolved().canonical());
        assertTrue(!ConversionOptions.defaults().canonical().equals(
                new ConversionOptions(null, null, null, true, null, null, null).resolved().canonical()));
    }

    @Test
    void badValuesAreNamedByField() {
        var errors = new ConversionOptions("fp8", "sometimes", "onnx", null, null, null, "../vae.pt").problems();
        assertEquals(List.of("options.precision", "options.ema", "options.format", "options.bake_vae"),
                errors.stream().map(e -> e.field()).toList());
    }
}

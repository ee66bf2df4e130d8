package dev.sdfarm.converter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.json.StrictJson;
import dev.sdfarm.diffusion.image.PngImage;
import dev.sdfarm.diffusion.image.PngReader;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sdfarm render} and {@code sdfarm png-info} as users run them. */
@QuarkusMainTest
class RenderCliTest {
    @TempDir
    Path dir;

    @Test
    void renderWritesPngsWhoseInfotextRoundTripsThroughPngInfo(QuarkusMainLauncher launcher) throws IOException {
        Path model = tiny(launcher);
        Path out = dir.resolve("fox.png");
        LaunchResult r = launcher.launch("render", "--model", model.toString(), "--prompt", "a red fox, (snow:1.2)",
                "--negative", "blurry", "--seed", "42", "--steps", "3", "--sampler", "DPM++ 2M", "--scheduler",
                "karras", "--width", "64", "--height", "72", "--batch", "2", "-o", out.toString());
        assertEquals(0, r.exitCode(), r.getErrorOutput());
        for (int i = 1; i <= 2; i++) {
            Path png = dir.resolve("fox-" + i + ".png");
            PngImage image = PngReader.defaults().read(Files.readAllBytes(png));
            assertEquals(64, image.width());
            assertEquals(72, image.height());
            LaunchResult info = launcher.launch("png-info", png.toString(), "--json");
            assertEquals(0, info.exitCode(), info.getErrorOutput());
            Map<?, ?> json = (Map<?, ?>) StrictJson.parse(info.getOutput().getBytes(StandardCharsets.UTF_8));
            assertEquals("a red fox, (snow:1.2)", json.get("prompt"));
            assertEquals("blurry", json.get("negative_prompt"));
            Map<?, ?> fields = (Map<?, ?>) json.get("fields");
            assertEquals(Long.toString(41 + i), fields.get("Seed"));
            assertEquals("DPM++ 2M", fields.get("Sampler"));
            assertEquals("Karras", fields.get("Schedule type"));
            assertEquals("64x72", fields.get("Size"));
            assertEquals("tiny", fields.get("Model"));
            assertEquals(image.parameters().orElseThrow(), launcher.launch("png-info", png.toString()).getOutput()
                    .stripTrailing());
        }
    }

    @Test
    void rendersWithAnInpaintingModel(QuarkusMainLauncher launcher) throws IOException {
        Path model = dir.resolve("tiny-inpainting.safetensors");
        assertEquals(0, launcher.launch("synth", model.toString(), "--preset", "tiny-inpainting", "--dtype", "fp16",
                "-q").exitCode());
        Path out = dir.resolve("cat.png");
        LaunchResult r = launcher.launch("render", "--model", model.toString(), "--prompt", "a cat", "--seed", "3",
                "--steps", "2", "--sampler", "DDIM", "--width", "64", "--height", "64", "-o", out.toString());
        assertEquals(0, r.exitCode(), r.getErrorOutput());
        PngImage image = PngReader.defaults().read(Files.readAllBytes(out));
        assertEquals(64, image.width());
        assertTrue(image.parameters().orElseThrow().contains("Model: tiny-inpainting"), image.parameters().toString());
    }

    @Test
    void badInputGivesAOneLineErrorAndNoOutput(QuarkusMainLauncher launcher) throws IOException {
        Path model = tiny(launcher);
        Path out = dir.resolve("x.png");
        LaunchResult sampler = launcher.launch("render", "--model", model.toString(), "--prompt", "x", "--sampler",
                "Euler b", "-o", out.toString());
        assertEquals(1, sampler.exitCode());
        assertTrue(sampler.getErrorOutput().contains("unknown sampler 'Euler b'"), sampler.getErrorOutput());
        LaunchResult width = launcher.launch("render", "--model", model.toString(), "--prompt", "x", "--width", "100",
                "-o", out.toString());
        assertEquals(1, width.exitCode());
        assertTrue(width.getErrorOutput().contains("multiples of 8"), width.getErrorOutput());
        LaunchResult missing = launcher.launch("render", "--model", dir.resolve("nope.safetensors").toString(),
                "--prompt", "x", "-o", out.toString());
        assertEquals(4, missing.exitCode());
        Path corrupt = dir.resolve("corrupt.safetensors");
        Files.write(corrupt, java.util.Arrays.copyOf(Files.readAllBytes(model), 1000));
        LaunchResult damaged = launcher.launch("render", "--model", corrupt.toString(), "--prompt", "x", "-o",
                out.toString());
        assertEquals(2, damaged.exitCode());
        assertTrue(damaged.getErrorOutput().contains("truncated"), damaged.getErrorOutput());
        assertEquals(1, damaged.getErrorOutput().strip().lines().count(), damaged.getErrorOutput());
        Path notPng = dir.resolve("not.png");
        Files.writeString(notPng, "hello");
        assertEquals(2, launcher.launch("png-info", notPng.toString()).exitCode());
        try (Stream<Path> files = Files.list(dir)) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().startsWith("x")
                    || p.getFileName().toString().endsWith(".partial")));
        }
    }

    private Path tiny(QuarkusMainLauncher launcher) {
        Path p = dir.resolve("tiny.safetensors");
        assertEquals(0, launcher.launch("synth", p.toString(), "--preset", "tiny", "--dtype", "fp16", "-q").exitCode());
        return p;
    }
}

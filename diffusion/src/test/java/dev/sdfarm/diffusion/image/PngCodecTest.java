package dev.sdfarm.diffusion.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.json.StrictJson;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PngCodecTest {
    private static byte[] resource(String name) throws IOException {
        try (InputStream in = PngCodecTest.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }

    private static Raster random(int w, int h, PixelFormat f, long seed, boolean smooth) {
        byte[] px = new byte[w * h * f.channels()];
        Random r = new Random(seed);
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (smooth ? (i / f.channels() % w) * 3 + (i / (w * f.channels())) * 2 + r.nextInt(3) : r.nextInt());
        }
        return new Raster(w, h, f, px);
    }

    @Test
    void roundTripsEveryFilterAndLevel() throws IOException {
        for (PixelFormat f : PixelFormat.values()) {
            for (PngFilter filter : PngFilter.values()) {
                for (int level : new int[] {0, 1, 6, 9}) {
                    Raster img = random(37, 23, f, level * 31 + filter.ordinal(), filter.ordinal() % 2 == 0);
                    byte[] png = PngWriter.of(level, filter).encode(img, List.of(PngText.of("parameters", "x: 1")));
                    PngImage back = PngReader.defaults().read(png);
                    assertArrayEquals(img.pixels(), back.raster().pixels(), f + " " + filter + " " + level);
                    assertEquals("x: 1", back.parameters().orElseThrow());
                }
            }
        }
    }

    @Test
    void textChunksChosenLikePillow() throws IOException {
        Raster img = random(3, 2, PixelFormat.RGB, 1, false);
        byte[] png = PngWriter.defaults().encode(img, List.of(PngText.of("parameters", "ü latin-1"),
                PngText.of("parameters", "猫 unicode"), new PngText("z", "zipped", PngText.Kind.ZTXT, "", "")));
        PngImage back = PngReader.defaults().read(png);
        assertEquals(PngText.Kind.TEXT, back.texts().get(0).kind());
        assertEquals(PngText.Kind.ITXT, back.texts().get(1).kind());
        assertEquals("猫 unicode", back.parameters().orElseThrow());
        assertEquals("zipped", back.text("z").orElseThrow());
        assertEquals(back.texts(), PngReader.defaults().readText(new ByteArrayInputStream(png)).texts());
    }

    @Test
    void readsPillowFiles() throws IOException {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> cases = (List<Map<String, Object>>) StrictJson.parse(resource("pngs.json"));
        for (Map<String, Object> c : cases) {
            String file = (String) c.get("file");
            if (c.get("pixels") instanceof String pixels) {
                PngImage img = PngReader.defaults().read(resource(file));
                assertArrayEquals(Base64.getDecoder().decode(pixels), img.raster().pixels(), file);
                @SuppressWarnings("unchecked")
                Map<String, Object> info = (Map<String, Object>) c.get("info");
                info.forEach((k, v) -> {
                    assertEquals(v, img.text(k).orElse(null), file + " " + k);
                });
            } else {
                PngFormatException e = assertThrows(PngFormatException.class, () -> PngReader.defaults().read(resource(file)));
                assertTrue(e.getMessage().contains("unsupported PNG kind"), e.getMessage());
            }
        }
    }

    @Test
    void a1111SampleConversion() {
        float[] chw = {-1f, 0f, 1f, 2f, -3f, Float.NaN, 0.999f, -0.999f, 0.5f, 0.00392f, -0.2f, 0.7f};
        Raster r = Raster.fromSignedUnit(chw, 2, 2);
        // uint8(255 * clamp((x + 1) / 2, 0, 1)) in float32, truncated
        int[] expected = new int[12];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 4; i++) {
                float v = Math.min(Math.max((chw[c * 4 + i] + 1f) / 2f, 0f), 1f);
                expected[i * 3 + c] = Float.isNaN(v) ? 0 : (int) (255f * v);
            }
        }
        for (int i = 0; i < 12; i++) {
            assertEquals(expected[i], r.pixels()[i] & 0xFF, "sample " + i);
        }
        assertEquals(127, r.sample(1, 0, 0));
        assertEquals(255, r.sample(0, 0, 2) == 0 ? 255 : r.sample(0, 1, 0));
    }

    @Test
    void rejectsBadInputWithClearErrors() throws IOException {
        Raster img = random(8, 8, PixelFormat.RGB, 3, false);
        byte[] png = PngWriter.defaults().encode(img, List.of());
        byte[] badCrc = png.clone();
        badCrc[30] ^= 1;
        assertTrue(assertThrows(PngFormatException.class, () -> PngReader.defaults().read(badCrc)).getMessage()
                .contains("CRC"));
        assertTrue(assertThrows(PngFormatException.class,
                () -> PngReader.defaults().read(java.util.Arrays.copyOf(png, png.length - 5))).getMessage()
                .contains("truncated"));
        assertTrue(assertThrows(PngFormatException.class,
                () -> PngReader.withLimits(63, 1000).read(png)).getMessage().contains("limit"));
        assertThrows(PngFormatException.class, () -> PngReader.defaults().read(new byte[] {1, 2, 3}));
    }

    @Test
    void fuzzedFilesFailOnlyWithPngFormatException() {
        Random r = new Random(99);
        Raster img = random(16, 9, PixelFormat.RGBA, 5, true);
        byte[] png = PngWriter.of(6, PngFilter.ADAPTIVE).encode(img, List.of(PngText.of("parameters", "猫, x: 1"),
                new PngText("c", "zz", PngText.Kind.ZTXT, "", "")));
        PngReader reader = PngReader.withLimits(1 << 20, 1 << 16);
        for (int i = 0; i < 6_000; i++) {
            byte[] m = png.clone();
            int edits = 1 + r.nextInt(4);
            for (int e = 0; e < edits; e++) {
                m[8 + r.nextInt(m.length - 8)] = (byte) r.nextInt();
            }
            if (r.nextInt(4) == 0) {
                m = java.util.Arrays.copyOf(m, r.nextInt(m.length));
            }
            try {
                reader.read(m);
            } catch (PngFormatException expected) {
                // the only failure allowed
            }
            // and with CRCs fixed, so the mutation reaches the parsers behind the CRC check
            try {
                reader.read(fixCrcs(m));
            } catch (PngFormatException expected) {
                // the only failure allowed
            }
        }
    }

    /** Recomputes every chunk CRC it can find. */
    static byte[] fixCrcs(byte[] png) {
        byte[] m = png.clone();
        int at = 8;
        while (at + 12 <= m.length) {
            long len = PngChunks.getInt(m, at) & 0xFFFFFFFFL;
            if (at + 12 + len > m.length) {
                break;
            }
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(m, at + 4, (int) len + 4);
            PngChunks.putInt(m, at + 8 + (int) len, (int) crc.getValue());
            at += 12 + (int) len;
        }
        return m;
    }

    /** Leaves our files in target/ for fixtures/image/crosscheck.py to open with Pillow. */
    @Test
    void writesCrosscheckFiles() throws IOException {
        Path dir = Path.of("target", "png-crosscheck");
        Files.createDirectories(dir);
        int k = 0;
        for (PixelFormat f : PixelFormat.values()) {
            for (PngFilter filter : PngFilter.values()) {
                Raster img = random(29, 17, f, 100 + k, k % 2 == 0);
                String name = f + "_" + filter;
                Files.write(dir.resolve(name + ".raw"), img.pixels());
                Files.write(dir.resolve(name + ".png"), PngWriter.of(k % 10, filter).encode(img,
                        List.of(PngText.of("parameters", "猫 " + name + "\nSteps: 1, Sampler: x, Seed: 2"))));
                k++;
            }
        }
    }
}

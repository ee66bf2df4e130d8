package dev.sdfarm.diffusion.image;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A decoded PNG: its pixels ({@code null} when only the text was read) and its text chunks in file order.
 *
 * @param width  pixels per row
 * @param height rows
 * @param format RGB or RGBA
 * @param raster the pixels, or {@code null} from {@link PngReader#readText}
 * @param texts  the tEXt, zTXt and iTXt chunks in file order
 */
public record PngImage(int width, int height, PixelFormat format, Raster raster, List<PngText> texts) {

    /** Copies the text list. */
    public PngImage {
        Objects.requireNonNull(format, "format");
        texts = List.copyOf(texts);
    }

    /**
     * The text stored under {@code keyword}; the last chunk wins when several have it, as in Pillow's
     * {@code Image.info}.
     */
    public Optional<String> text(String keyword) {
        for (int i = texts.size() - 1; i >= 0; i--) {
            if (texts.get(i).keyword().equals(keyword)) {
                return Optional.of(texts.get(i).text());
            }
        }
        return Optional.empty();
    }

    /** AUTOMATIC1111's generation parameters ({@code read_info_from_image}'s {@code parameters} key), if any. */
    public Optional<String> parameters() {
        return text("parameters");
    }
}

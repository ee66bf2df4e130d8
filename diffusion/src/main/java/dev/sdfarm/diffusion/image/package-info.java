/**
 * The image output side: PNG files with AUTOMATIC1111's {@code parameters} infotext, no AWT/ImageIO.
 *
 * <p>Public API:
 * <ul>
 *   <li>{@link dev.sdfarm.diffusion.image.Raster} - an 8-bit HWC image; {@code fromSignedUnit} is A1111's
 *       decoder-output-to-uint8 conversion</li>
 *   <li>{@link dev.sdfarm.diffusion.image.PixelFormat} - RGB or RGBA</li>
 *   <li>{@link dev.sdfarm.diffusion.image.PngWriter} - streaming PNG encoder (zlib level, {@link
 *       dev.sdfarm.diffusion.image.PngFilter} choice, text chunks)</li>
 *   <li>{@link dev.sdfarm.diffusion.image.PngReader} - bounded, CRC-checked decoder of 8-bit RGB/RGBA PNGs and their
 *       text; {@link dev.sdfarm.diffusion.image.PngImage} is its result</li>
 *   <li>{@link dev.sdfarm.diffusion.image.PngText} - a tEXt/zTXt/iTXt chunk; {@code of} chooses like Pillow's
 *       {@code add_text}</li>
 *   <li>{@link dev.sdfarm.diffusion.image.PngFormatException} - every reader failure</li>
 *   <li>{@link dev.sdfarm.diffusion.image.GenerationParameters} - what the infotext records</li>
 *   <li>{@link dev.sdfarm.diffusion.image.Infotext} - {@code create_infotext} and {@code parse_generation_parameters};
 *       {@link dev.sdfarm.diffusion.image.ParsedInfotext} is the parse result</li>
 * </ul>
 */
package dev.sdfarm.diffusion.image;

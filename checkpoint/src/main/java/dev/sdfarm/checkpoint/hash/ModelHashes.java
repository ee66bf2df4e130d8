package dev.sdfarm.checkpoint.hash;

import dev.sdfarm.checkpoint.io.FileHashing;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.LongConsumer;

/**
 * The hashes Stable Diffusion tools use to identify a model file.
 *
 * @param sha256       sha256 of the whole file, lower-case hex
 * @param autoV2       first 10 hex digits of {@code sha256} (AUTOMATIC1111 "AutoV2", Civitai's short hash)
 * @param legacy       AUTOMATIC1111's old model hash: first 8 hex digits of the sha256 of the 0x10000 bytes at
 *                     offset 0x100000 (fewer when the file is shorter)
 * @param tensorSha256 safetensors only: sha256 of the file after the 8-byte length and the header, lower-case
 *                     hex; null for other formats
 * @param autoV3       safetensors only: first 12 hex digits of {@code tensorSha256}, upper-case (Civitai
 *                     "AutoV3"); null for other formats
 */
public record ModelHashes(String sha256, String autoV2, String legacy, String tensorSha256, String autoV3) {
    private static final long LEGACY_OFFSET = 0x100000;
    private static final int LEGACY_LENGTH = 0x10000;

    /** The short hashes derived from a full-file sha256 (no tensor hash). */
    public static ModelHashes fromSha256(String sha256, String legacy) {
        return new ModelHashes(sha256, sha256.substring(0, 10), legacy, null, null);
    }

    /**
     * Computes all hashes of the file open on {@code ch}.
     *
     * @param dataStart for safetensors, the offset of the tensor data (8 + header length); negative otherwise
     * @param progress  receives counts of bytes hashed (may be null; called from several threads)
     */
    public static ModelHashes compute(FileChannel ch, long size, long dataStart, LongConsumer progress)
            throws IOException {
        String legacy = legacyHash(ch, size);
        try {
            if (dataStart < 0) {
                return fromSha256(FileHashing.sha256Hex(ch, 0, size, progress), legacy);
            }
            // The two digests are independent; on two cores they cost one pass of wall time.
            CompletableFuture<String> tensorPart = CompletableFuture.supplyAsync(() -> sneaky(
                    () -> FileHashing.sha256Hex(ch, dataStart, size, null)));
            String full = FileHashing.sha256Hex(ch, 0, size, progress);
            String tensors = tensorPart.join();
            return new ModelHashes(full, full.substring(0, 10), legacy, tensors,
                    tensors.substring(0, 12).toUpperCase(Locale.ROOT));
        } catch (CompletionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw e;
        }
    }

    /** AUTOMATIC1111's legacy 8-hex-digit model hash. */
    public static String legacyHash(FileChannel ch, long size) throws IOException {
        MessageDigest md = FileHashing.sha256();
        if (size > LEGACY_OFFSET) {
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(LEGACY_LENGTH, size - LEGACY_OFFSET));
            long pos = LEGACY_OFFSET;
            while (buf.hasRemaining()) {
                int n = ch.read(buf, pos);
                if (n < 0) {
                    break;
                }
                pos += n;
            }
            md.update(buf.array(), 0, buf.position());
        }
        return HexFormat.of().formatHex(md.digest()).substring(0, 8);
    }

    private interface IoSupplier<T> {
        T get() throws IOException;
    }

    private static <T> T sneaky(IoSupplier<T> s) {
        try {
            return s.get();
        } catch (IOException e) {
            throw new CompletionException(e);
        }
    }
}

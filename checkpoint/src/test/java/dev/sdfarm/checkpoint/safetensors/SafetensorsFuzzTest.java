package dev.sdfarm.checkpoint.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.CheckpointException;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.checkpoint.TestBytes;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutates valid safetensors files thousands of ways (bit flips, truncations, insertions, corrupted lengths,
 * JSON token swaps); every result must open cleanly or be refused with a {@link CheckpointException} —
 * never another exception, never a hang — and whatever opens must describe tensors inside the file.
 */
class SafetensorsFuzzTest {
    private static final int MUTANTS = 10_000;
    private static final String[] TOKENS = {"{", "}", "[", "]", ",", ":", "\"", "\\", "0", "-1", "1e9",
        "18446744073709551615", "null", "true", "\"F16\"", "\"__metadata__\"", "\"dtype\"", "\"shape\"",
        "\"data_offsets\"", "\u00e9", "\\ud800", " ", "9999999999999999999999"};

    @TempDir
    Path dir;

    @Test
    void mutatedHeadersOpenOrFailCleanly() {
        byte[] seed = TestBytes.resource("safetensors/small.safetensors");
        SplittableRandom rnd = new SplittableRandom(20261123);
        int[] outcomes = new int[2];
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            Path p = dir.resolve("m.safetensors");
            for (int i = 0; i < MUTANTS; i++) {
                byte[] m = mutate(seed, rnd);
                Files.write(p, m);
                try (Checkpoint cp = Checkpoint.open(p)) {
                    for (StoredTensor t : cp.tensors()) {
                        assertTrue(t.fileOffset() >= cp.dataStart() && t.fileOffset() + t.byteSize() <= m.length,
                                "tensor outside the file in mutant " + i);
                        cp.readAll(t);
                    }
                    outcomes[0]++;
                } catch (CheckpointException e) {
                    assertTrue(e.userMessage().contains(p.toString()), e.userMessage());
                    outcomes[1]++;
                } catch (Throwable t) {
                    fail("mutant " + i + " raised " + t, t);
                }
            }
        });
        assertEquals(MUTANTS, outcomes[0] + outcomes[1]);
        assertTrue(outcomes[1] > MUTANTS / 2, "most mutants should be refused: " + outcomes[1]);
    }

    private static byte[] mutate(byte[] seed, SplittableRandom rnd) {
        int headerLen = (int) ByteBuffer.wrap(seed).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        byte[] m = seed.clone();
        int kind = rnd.nextInt(7);
        switch (kind) {
            case 0 -> { // flip bits inside the header
                for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                    int at = 8 + rnd.nextInt(headerLen);
                    m[at] ^= (byte) (1 << rnd.nextInt(8));
                }
            }
            case 1 -> { // truncate anywhere
                m = java.util.Arrays.copyOf(m, rnd.nextInt(m.length));
            }
            case 2 -> { // corrupt the length field
                long v = switch (rnd.nextInt(4)) {
                    case 0 -> rnd.nextLong();
                    case 1 -> headerLen + rnd.nextInt(-16, 17);
                    case 2 -> -rnd.nextInt(1, 100);
                    default -> 100_000_000L + rnd.nextInt(-2, 3);
                };
                ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putLong(0, v);
            }
            case 3 -> { // replace a byte span of the header by a JSON token, keeping the length consistent
                String tok = TOKENS[rnd.nextInt(TOKENS.length)];
                byte[] t = tok.getBytes(StandardCharsets.UTF_8);
                int at = 8 + rnd.nextInt(Math.max(1, headerLen - t.length));
                System.arraycopy(t, 0, m, at, Math.min(t.length, headerLen - (at - 8)));
            }
            case 4 -> { // insert bytes into the header and fix the declared length
                byte[] ins = TOKENS[rnd.nextInt(TOKENS.length)].getBytes(StandardCharsets.UTF_8);
                int at = 8 + rnd.nextInt(headerLen);
                byte[] out = new byte[m.length + ins.length];
                System.arraycopy(m, 0, out, 0, at);
                System.arraycopy(ins, 0, out, at, ins.length);
                System.arraycopy(m, at, out, at + ins.length, m.length - at);
                ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, headerLen + ins.length);
                m = out;
            }
            case 5 -> { // change one digit of a number (shapes, offsets)
                String h = new String(m, 8, headerLen, StandardCharsets.UTF_8);
                int from = rnd.nextInt(h.length());
                for (int j = 0; j < h.length(); j++) {
                    int at = (from + j) % h.length();
                    char c = h.charAt(at);
                    if (c >= '0' && c <= '9') {
                        byte[] hb = h.getBytes(StandardCharsets.UTF_8);
                        // Recompute the byte position of char 'at' (header may contain multi-byte chars).
                        int bytePos = h.substring(0, at).getBytes(StandardCharsets.UTF_8).length;
                        hb[bytePos] = (byte) ('0' + rnd.nextInt(10));
                        System.arraycopy(hb, 0, m, 8, hb.length);
                        break;
                    }
                }
            }
            default -> { // append or remove data bytes
                m = java.util.Arrays.copyOf(m, m.length + rnd.nextInt(-8, 9));
            }
        }
        return m;
    }
}

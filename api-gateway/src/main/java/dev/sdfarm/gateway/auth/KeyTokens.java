package dev.sdfarm.gateway.auth;

import dev.sdfarm.checkpoint.io.FileHashing;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Optional;

/**
 * The text form of API keys: {@code sdf_<id>_<secret>}, 16 + 32 characters of base62. The id finds the key;
 * the secret (190 random bits, so a plain sha256 suffices — no password stretching needed) proves it.
 */
public final class KeyTokens {
    public static final String PREFIX = "sdf_";
    private static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final int ID_LENGTH = 16;
    private static final int SECRET_LENGTH = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private KeyTokens() {
    }

    /** A parsed token. */
    public record Token(String id, String secret) {
        public String text() {
            return PREFIX + id + "_" + secret;
        }

        @Override
        public String toString() {
            return PREFIX + id + "_…";
        }
    }

    public static Token generate() {
        return new Token(random(ID_LENGTH), random(SECRET_LENGTH));
    }

    /** The token in {@code text}, or empty if it is not shaped like one. */
    public static Optional<Token> parse(String text) {
        if (text == null || text.length() != PREFIX.length() + ID_LENGTH + 1 + SECRET_LENGTH
                || !text.startsWith(PREFIX) || text.charAt(PREFIX.length() + ID_LENGTH) != '_') {
            return Optional.empty();
        }
        String id = text.substring(PREFIX.length(), PREFIX.length() + ID_LENGTH);
        String secret = text.substring(PREFIX.length() + ID_LENGTH + 1);
        if (!base62(id) || !base62(secret)) {
            return Optional.empty();
        }
        return Optional.of(new Token(id, secret));
    }

    public static byte[] hash(String secret) {
        return FileHashing.sha256().digest(secret.getBytes(StandardCharsets.US_ASCII));
    }

    private static String random(int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return b.toString();
    }

    private static boolean base62(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (ALPHABET.indexOf(s.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }
}

package dev.sdfarm.diffusion.text;

import java.util.Random;

/** Random prompt-like and hostile strings for robustness tests. */
final class RandomStrings {
    private static final String[] WORDS = (
            "a the of with cat dog castle forest portrait masterpiece best quality detailed 8k cinematic lighting "
                    + "greg rutkowski artstation caf\u00e9 \u732b \u043a\u043e\u0442 \u03b3\u03ac\u03c4\u03b1 "
                    + "\ud83d\udc31 \u2019s").split(" ");
    private static final String SYNTAX = "()[]:\\<>|,.&;#BREAK 0123456789";

    private RandomStrings() {
    }

    /** A mix of prompt syntax, ASCII, controls, unpaired surrogates and code points from every plane. */
    static String next(Random random) {
        int length = random.nextInt(40);
        StringBuilder s = new StringBuilder(length * 2);
        for (int i = 0; i < length; i++) {
            switch (random.nextInt(8)) {
                case 0 -> s.append(SYNTAX.charAt(random.nextInt(SYNTAX.length())));
                case 1 -> s.append((char) random.nextInt(0x80));
                case 2 -> s.append((char) (0xD800 + random.nextInt(0x800)));
                case 3 -> s.appendCodePoint(0x10000 + random.nextInt(Character.MAX_CODE_POINT + 1 - 0x10000));
                case 4 -> s.append((char) random.nextInt(0x10000));
                case 5 -> s.append(WORDS[random.nextInt(WORDS.length)]);
                case 6 -> s.append("&#").append(random.nextInt(0x110010)).append(';');
                default -> s.append(" BREAK <lora:x:1> (y:1.2) [z] \\( ".charAt(random.nextInt(30)));
            }
        }
        return s.toString();
    }

    /** {@code count} words of prompt-like vocabulary separated by spaces and occasional commas. */
    static String words(Random random, int count) {
        StringBuilder s = new StringBuilder(count * 8);
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                s.append(random.nextInt(6) == 0 ? ", " : " ");
            }
            s.append(WORDS[random.nextInt(WORDS.length)]);
        }
        return s.toString();
    }
}

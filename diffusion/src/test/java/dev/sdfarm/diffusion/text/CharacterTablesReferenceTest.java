package dev.sdfarm.diffusion.text;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every code point against the Python character predicates the prompt code depends on (fixtures
 * {@code unicode_classes.txt} and {@code lowercase.txt}). Code points the reference or the JDK considers
 * unassigned are skipped: their behaviour follows whichever Unicode version is running.
 */
class CharacterTablesReferenceTest {
    /** Recategorised from Mn to Mc after Unicode 14, so no longer case-ignorable in the JDK's tables. */
    private static final int AHOM_MEDIAL_RA = 0x1171E;

    private static boolean assignedInJava(int cp) {
        return Character.getType(cp) != Character.UNASSIGNED && !Character.isSurrogate((char) cp);
    }

    @Test
    void classifiesEveryCodePointAsTheReferencePatternsDo() {
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (String[] row : ReferenceFixtures.table("unicode_classes.txt")) {
            int first = Integer.parseInt(row[0], 16);
            int last = Integer.parseInt(row[1], 16);
            String flags = row[2];
            boolean assignedInPython = flags.charAt(6) != 'u';
            for (int cp = first; cp <= last; cp++) {
                if (!assignedInJava(cp)) {
                    continue;
                }
                if (flags.charAt(0) != 'U') {
                    char expected = flags.charAt(0);
                    char actual = switch (ClipPreTokenizer.classify(cp)) {
                        case LETTER -> 'L';
                        case NUMBER -> 'N';
                        case SPACE -> 'W';
                        case OTHER -> 'O';
                        case NONE -> 'X';
                    };
                    check(failures, cp, "CLIP pattern class", expected, actual);
                    checked++;
                }
                if (assignedInPython) {
                    check(failures, cp, "re \\w", flags.charAt(1) == 'w', PythonText.isWordChar(cp));
                    check(failures, cp, "re \\s", flags.charAt(2) == 's', PythonText.isSpace(cp));
                    check(failures, cp, "str.isspace", flags.charAt(3) == 'i', PythonText.isSpace(cp));
                    // What CPython's final-sigma test sees: case-ignorable characters are skipped before
                    // "cased" is asked, so the probe reports cased only for cased, non-ignorable characters.
                    check(failures, cp, "cased", flags.charAt(4) == 'c',
                            PythonText.isCased(cp) && !PythonText.isCaseIgnorable(cp));
                    if (cp != AHOM_MEDIAL_RA) {
                        check(failures, cp, "case-ignorable", flags.charAt(5) == 'g', PythonText.isCaseIgnorable(cp));
                    }
                    checked++;
                }
            }
        }
        report(failures);
        assertTrue(checked > 250_000, "only " + checked + " code points checked");
    }

    @Test
    void lowerCasesEveryCodePointAsPythonStrLower() {
        Map<Integer, String> expectedLower = new HashMap<>();
        for (String[] row : ReferenceFixtures.table("lowercase.txt")) {
            StringBuilder lower = new StringBuilder();
            for (int i = 1; i < row.length; i++) {
                lower.appendCodePoint(Integer.parseInt(row[i], 16));
            }
            expectedLower.put(Integer.parseInt(row[0], 16), lower.toString());
        }
        Map<Integer, Boolean> assignedInPython = new HashMap<>();
        for (String[] row : ReferenceFixtures.table("unicode_classes.txt")) {
            if (row[2].charAt(6) == 'u') {
                for (int cp = Integer.parseInt(row[0], 16); cp <= Integer.parseInt(row[1], 16); cp++) {
                    assignedInPython.put(cp, false);
                }
            }
        }
        List<String> failures = new ArrayList<>();
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            if (!assignedInJava(cp) || assignedInPython.containsKey(cp)) {
                continue;
            }
            String c = Character.toString(cp);
            String expected = expectedLower.getOrDefault(cp, c);
            String actual = PythonText.lower(c);
            if (!expected.equals(actual)) {
                failures.add(String.format("U+%04X lower: expected %s, got %s", cp, ReferenceFixtures.quote(expected),
                        ReferenceFixtures.quote(actual)));
            }
        }
        report(failures);
    }

    @Test
    void fixesEverySingleCharacterAsFtfy() {
        Map<Integer, String> expectedFixed = new HashMap<>();
        for (String[] row : ReferenceFixtures.table("ftfy_single_chars.txt")) {
            StringBuilder fixed = new StringBuilder();
            for (int i = 1; i < row.length; i++) {
                fixed.appendCodePoint(Integer.parseInt(row[i], 16));
            }
            expectedFixed.put(Integer.parseInt(row[0], 16), fixed.toString());
        }
        List<String> failures = new ArrayList<>();
        for (String[] row : ReferenceFixtures.table("unicode_classes.txt")) {
            boolean assignedInPython = row[2].charAt(6) != 'u';
            for (int cp = Integer.parseInt(row[0], 16); cp <= Integer.parseInt(row[1], 16); cp++) {
                boolean surrogate = cp >= 0xD800 && cp <= 0xDFFF;
                if (!surrogate && (!assignedInPython || !assignedInJava(cp))) {
                    continue;
                }
                String c = surrogate ? String.valueOf((char) cp) : Character.toString(cp);
                String expected = expectedFixed.getOrDefault(cp, c);
                String actual = TextFixer.fixText(c);
                if (!expected.equals(actual)) {
                    failures.add(String.format("U+%04X ftfy: expected %s, got %s", cp, ReferenceFixtures.quote(expected),
                            ReferenceFixtures.quote(actual)));
                }
            }
        }
        report(failures);
        assertTrue(expectedFixed.size() > 3000, "only " + expectedFixed.size() + " characters that ftfy changes");
    }

    private static void check(List<String> failures, int cp, String what, Object expected, Object actual) {
        if (!expected.equals(actual)) {
            failures.add(String.format("U+%04X %s %s: expected %s, got %s", cp, Character.getName(cp), what, expected, actual));
        }
    }

    private static void report(List<String> failures) {
        if (!failures.isEmpty()) {
            fail(failures.size() + " differences, first ones:\n"
                    + String.join("\n", failures.subList(0, Math.min(60, failures.size()))));
        }
    }
}

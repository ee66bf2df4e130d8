package dev.sdfarm.diffusion.text;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds and removes extra-network tags as webui's {@code modules/extra_networks.py} {@code parse_prompt}
 * does (v1.10.1): every match of {@code <(\w+):([^>]+)>}, left to right, where {@code \w} is Python's - any
 * letter, number or underscore. So {@code <lora:name:0.8>} is a tag, while {@code <lora:>}, {@code <lo ra:x>}
 * and a tag missing its {@code >} are left in the prompt as text; the arguments run to the first {@code >} and
 * may contain {@code <}, spaces and line breaks.
 *
 * <p>webui applies this to the positive prompt only; negative prompts keep such text and tokenize it.
 */
public final class ExtraNetworkParser {
    private ExtraNetworkParser() {
    }

    /** The prompt without its tags, and the tags. Never fails. */
    public static ExtraNetworkPrompt parse(String prompt) {
        int open = prompt.indexOf('<');
        if (open < 0) {
            return new ExtraNetworkPrompt(prompt, List.of());
        }
        StringBuilder text = new StringBuilder(prompt.length());
        List<ExtraNetworkTag> tags = new ArrayList<>();
        int copied = 0;
        while (open >= 0) {
            int colon = colonAfterType(prompt, open);
            int close = colon < 0 ? -1 : prompt.indexOf('>', colon + 1);
            if (close <= colon + 1) {
                // No tag starts here: no word before a colon, or no argument before a '>'.
                open = prompt.indexOf('<', open + 1);
                continue;
            }
            tags.add(tag(prompt.substring(open + 1, colon), prompt.substring(colon + 1, close)));
            text.append(prompt, copied, open);
            copied = close + 1;
            open = prompt.indexOf('<', copied);
        }
        text.append(prompt, copied, prompt.length());
        return new ExtraNetworkPrompt(text.toString(), tags);
    }

    /** Index of the colon ending a non-empty run of word characters right after {@code open}, or -1. */
    private static int colonAfterType(String s, int open) {
        int j = open + 1;
        while (j < s.length()) {
            int cp = s.codePointAt(j);
            if (!PythonText.isWordChar(cp)) {
                break;
            }
            j += Character.charCount(cp);
        }
        return j > open + 1 && j < s.length() && s.charAt(j) == ':' ? j : -1;
    }

    /** webui's {@code ExtraNetworkParams(items=args.split(":"))}. */
    private static ExtraNetworkTag tag(String type, String arguments) {
        List<String> items = List.of(arguments.split(":", -1));
        List<String> positional = new ArrayList<>();
        Map<String, String> named = new LinkedHashMap<>();
        for (String item : items) {
            int eq = item.indexOf('=');
            if (eq >= 0 && item.indexOf('=', eq + 1) < 0) {
                named.put(item.substring(0, eq), item.substring(eq + 1));
            } else {
                positional.add(item);
            }
        }
        return new ExtraNetworkTag(type, items, positional, named);
    }
}

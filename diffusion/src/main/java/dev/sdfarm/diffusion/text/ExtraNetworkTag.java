package dev.sdfarm.diffusion.text;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One extra-network tag of a prompt, such as {@code <lora:add_detail:0.8>}, with its arguments split as
 * webui's {@code ExtraNetworkParams} splits them, so that whatever applies the network later (LoRA,
 * hypernetwork) reads the same values webui's would.
 *
 * @param type       the word before the first colon ({@code lora}, {@code hypernet}, ...)
 * @param items      the rest split at every colon, empty parts kept ({@code ["add_detail", "0.8"]})
 * @param positional the items that are not {@code key=value} pairs, in order
 * @param named      the items with exactly one {@code =}, as key and value; a repeated key keeps its first
 *                   position and its last value
 */
public record ExtraNetworkTag(String type, List<String> items, List<String> positional, Map<String, String> named) {
    public ExtraNetworkTag {
        Objects.requireNonNull(type, "type");
        items = List.copyOf(items);
        positional = List.copyOf(positional);
        named = Collections.unmodifiableMap(new LinkedHashMap<>(named));
    }

    /**
     * The network name as webui's LoRA support reads it: the first positional argument, or the empty string
     * when there is none (where webui would fail). Multipliers and other arguments are left to the code that
     * applies the network - for LoRA, webui reads positional 1 as the text-encoder multiplier, positional 2 as
     * the UNet multiplier and 3 as the dynamic dimension, overridden by {@code te=}, {@code unet=} and
     * {@code dyn=}.
     */
    public String name() {
        return positional.isEmpty() ? "" : positional.getFirst();
    }
}

package dev.sdfarm.diffusion.text;

import java.util.List;
import java.util.Objects;

/**
 * A prompt with its extra-network tags taken out.
 *
 * @param text the prompt with every tag removed (nothing else changes, so separators around a removed tag
 *             remain, as in webui)
 * @param tags the tags in the order they appear
 */
public record ExtraNetworkPrompt(String text, List<ExtraNetworkTag> tags) {
    public ExtraNetworkPrompt {
        Objects.requireNonNull(text, "text");
        tags = List.copyOf(tags);
    }

    /** The tags of one network type ({@code "lora"}), in prompt order - webui's per-type parameter list. */
    public List<ExtraNetworkTag> tagsOfType(String type) {
        return tags.stream().filter(t -> t.type().equals(type)).toList();
    }
}

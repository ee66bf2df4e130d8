package dev.sdfarm.diffusion.clip;

import dev.sdfarm.diffusion.text.ExtraNetworkTag;
import java.util.List;

/**
 * What a prompt (and optionally a negative prompt) conditions the UNet with.
 *
 * @param parts         the positive prompt's composable parts ({@code AND}), all of the same length
 * @param negative      the negative prompt's conditioning, or null when none was asked for
 * @param extraNetworks the extra-network tags taken out of the positive prompt (parsed, not applied yet)
 */
public record PromptConditioning(List<Conditioning> parts, Conditioning negative, List<ExtraNetworkTag> extraNetworks) {
    public PromptConditioning {
        parts = List.copyOf(parts);
        extraNetworks = List.copyOf(extraNetworks);
    }

    /** The first (for most prompts the only) part. */
    public Conditioning cond() {
        return parts.getFirst();
    }
}

package dev.sdfarm.gateway.a1111;

import dev.sdfarm.gateway.job.JobRequest;
import dev.sdfarm.gateway.problem.ProblemException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * webui's txt2img request in the farm's terms. Fields the farm has no use for (saving flags, comments,
 * denoising strength without hires fix) pass; features it does not have (hires fix, face restoration, styles,
 * scripts, extensions, variation seeds, refiners) are refused with a 422 that names them when they are set to
 * anything but webui's default, so a client never gets an image made differently from what it asked.
 */
public final class WebuiTranslator {
    /** {@code override_settings} keys the farm honours. */
    static final Set<String> OVERRIDES = Set.of("sd_model_checkpoint", "CLIP_stop_at_last_layers", "randn_source",
            "eta_noise_seed_delta");

    private WebuiTranslator() {
    }

    public static JobRequest toJob(WebuiTxt2ImgRequest r, String defaultModel) {
        List<String> unsupported = new ArrayList<>();
        flag(unsupported, "enable_hr", r.enableHr());
        flag(unsupported, "restore_faces", r.restoreFaces());
        flag(unsupported, "tiling", r.tiling());
        flag(unsupported, "disable_extra_networks", r.disableExtraNetworks());
        if (r.styles() != null && !r.styles().isEmpty()) {
            unsupported.add("styles");
        }
        if (r.subseedStrength() != null && r.subseedStrength() != 0) {
            unsupported.add("subseed_strength (variation seeds)");
        }
        if (positive(r.seedResizeFromH()) || positive(r.seedResizeFromW())) {
            unsupported.add("seed_resize_from_h/w");
        }
        if (r.refinerCheckpoint() != null && !r.refinerCheckpoint().isBlank()) {
            unsupported.add("refiner_checkpoint");
        }
        if (r.firstpassImage() != null) {
            unsupported.add("firstpass_image");
        }
        if (r.scriptName() != null && !r.scriptName().isBlank()) {
            unsupported.add("script_name '" + r.scriptName() + "'");
        }
        if (r.alwaysonScripts() != null && !r.alwaysonScripts().isEmpty()) {
            unsupported.add("alwayson_scripts " + r.alwaysonScripts().keySet()
                    + " (no webui extensions run here)");
        }
        if (r.infotext() != null && !r.infotext().isBlank()) {
            unsupported.add("infotext");
        }
        if (r.sMinUncond() != null && r.sMinUncond() != 0) {
            unsupported.add("s_min_uncond");
        }
        if (r.sChurn() != null && r.sChurn() != 0 || r.sTmin() != null && r.sTmin() != 0
                || r.sTmax() != null && r.sTmax() != 0 && !r.sTmax().isInfinite()) {
            unsupported.add("s_churn/s_tmin/s_tmax");
        }
        if (r.sNoise() != null && r.sNoise() != 1) {
            unsupported.add("s_noise");
        }
        if (r.distilledCfgScale() != null && r.distilledCfgScale() != 3.5) {
            unsupported.add("distilled_cfg_scale");
        }
        Map<String, Object> overrides = r.overrideSettings() == null ? Map.of() : r.overrideSettings();
        for (String k : overrides.keySet()) {
            if (!OVERRIDES.contains(k)) {
                unsupported.add("override_settings." + k);
            }
        }
        Object ensd = overrides.get("eta_noise_seed_delta");
        if (ensd != null && !(ensd instanceof Number n && n.longValue() == 0)) {
            unsupported.add("override_settings.eta_noise_seed_delta (only 0)");
        }
        if (!unsupported.isEmpty()) {
            throw ProblemException.unsupported("not supported by this farm: " + String.join(", ", unsupported)
                    + "; leave them out or at webui's defaults");
        }
        String sampler = r.samplerName() != null && !r.samplerName().isBlank() ? r.samplerName() : r.samplerIndex();
        Object model = overrides.get("sd_model_checkpoint");
        Object clipSkip = overrides.get("CLIP_stop_at_last_layers");
        Object rng = overrides.get("randn_source");
        return new JobRequest(r.prompt(), r.negativePrompt(), r.seed(), sampler, r.scheduler(), r.steps(),
                r.cfgScale(), r.width(), r.height(), r.batchSize(), r.nIter(),
                clipSkip instanceof Number n ? n.intValue() : null, r.eta(),
                rng == null ? null : rng.toString(),
                model != null ? model.toString() : defaultModel, "interactive", null);
    }

    private static void flag(List<String> unsupported, String name, Boolean value) {
        if (Objects.equals(value, Boolean.TRUE)) {
            unsupported.add(name);
        }
    }

    private static boolean positive(Integer v) {
        return v != null && v > 0;
    }
}

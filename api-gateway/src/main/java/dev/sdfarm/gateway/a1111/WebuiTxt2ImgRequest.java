package dev.sdfarm.gateway.a1111;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/**
 * The body of webui's {@code POST /sdapi/v1/txt2img} (v1.10 {@code StableDiffusionTxt2ImgProcessingAPI}), every
 * field webui accepts, so clients that send them all are understood. What the farm does not do is refused
 * by {@link WebuiTranslator} when set to anything but its default, never silently ignored.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record WebuiTxt2ImgRequest(
        @JsonProperty("prompt") String prompt,
        @JsonProperty("negative_prompt") String negativePrompt,
        @JsonProperty("styles") List<String> styles,
        @JsonProperty("seed") Long seed,
        @JsonProperty("subseed") Long subseed,
        @JsonProperty("subseed_strength") Double subseedStrength,
        @JsonProperty("seed_resize_from_h") Integer seedResizeFromH,
        @JsonProperty("seed_resize_from_w") Integer seedResizeFromW,
        @JsonProperty("sampler_name") String samplerName,
        @JsonProperty("sampler_index") String samplerIndex,
        @JsonProperty("scheduler") String scheduler,
        @JsonProperty("batch_size") Integer batchSize,
        @JsonProperty("n_iter") Integer nIter,
        @JsonProperty("steps") Integer steps,
        @JsonProperty("cfg_scale") Double cfgScale,
        @JsonProperty("distilled_cfg_scale") Double distilledCfgScale,
        @JsonProperty("width") Integer width,
        @JsonProperty("height") Integer height,
        @JsonProperty("restore_faces") Boolean restoreFaces,
        @JsonProperty("tiling") Boolean tiling,
        @JsonProperty("do_not_save_samples") Boolean doNotSaveSamples,
        @JsonProperty("do_not_save_grid") Boolean doNotSaveGrid,
        @JsonProperty("eta") Double eta,
        @JsonProperty("denoising_strength") Double denoisingStrength,
        @JsonProperty("s_min_uncond") Double sMinUncond,
        @JsonProperty("s_churn") Double sChurn,
        @JsonProperty("s_tmax") Double sTmax,
        @JsonProperty("s_tmin") Double sTmin,
        @JsonProperty("s_noise") Double sNoise,
        @JsonProperty("override_settings") Map<String, Object> overrideSettings,
        @JsonProperty("override_settings_restore_afterwards") Boolean overrideSettingsRestoreAfterwards,
        @JsonProperty("refiner_checkpoint") String refinerCheckpoint,
        @JsonProperty("refiner_switch_at") Double refinerSwitchAt,
        @JsonProperty("disable_extra_networks") Boolean disableExtraNetworks,
        @JsonProperty("firstpass_image") String firstpassImage,
        @JsonProperty("comments") Map<String, Object> comments,
        @JsonProperty("enable_hr") Boolean enableHr,
        @JsonProperty("firstphase_width") Integer firstphaseWidth,
        @JsonProperty("firstphase_height") Integer firstphaseHeight,
        @JsonProperty("hr_scale") Double hrScale,
        @JsonProperty("hr_upscaler") String hrUpscaler,
        @JsonProperty("hr_second_pass_steps") Integer hrSecondPassSteps,
        @JsonProperty("hr_resize_x") Integer hrResizeX,
        @JsonProperty("hr_resize_y") Integer hrResizeY,
        @JsonProperty("hr_checkpoint_name") String hrCheckpointName,
        @JsonProperty("hr_sampler_name") String hrSamplerName,
        @JsonProperty("hr_scheduler") String hrScheduler,
        @JsonProperty("hr_prompt") String hrPrompt,
        @JsonProperty("hr_negative_prompt") String hrNegativePrompt,
        @JsonProperty("force_task_id") String forceTaskId,
        @JsonProperty("script_name") String scriptName,
        @JsonProperty("script_args") List<Object> scriptArgs,
        @JsonProperty("send_images") Boolean sendImages,
        @JsonProperty("save_images") Boolean saveImages,
        @JsonProperty("alwayson_scripts") Map<String, Object> alwaysonScripts,
        @JsonProperty("infotext") String infotext) {
}

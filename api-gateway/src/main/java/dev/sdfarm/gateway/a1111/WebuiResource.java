package dev.sdfarm.gateway.a1111;

import java.io.ByteArrayInputStream;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sdfarm.core.message.GenerationParams;
import dev.sdfarm.core.message.OutputImage;
import dev.sdfarm.core.store.ObjectStore;
import dev.sdfarm.diffusion.image.Infotext;
import dev.sdfarm.diffusion.image.ParsedInfotext;
import dev.sdfarm.diffusion.image.PngFormatException;
import dev.sdfarm.diffusion.image.PngImage;
import dev.sdfarm.diffusion.image.PngReader;
import dev.sdfarm.diffusion.sample.Sampler;
import dev.sdfarm.diffusion.sample.Scheduler;
import dev.sdfarm.gateway.auth.Caller;
import dev.sdfarm.gateway.auth.CurrentCaller;
import dev.sdfarm.gateway.auth.Role;
import dev.sdfarm.gateway.job.JobService;
import dev.sdfarm.gateway.job.JobState;
import dev.sdfarm.gateway.job.JobUpdates;
import dev.sdfarm.gateway.job.JobView;
import dev.sdfarm.gateway.outbox.OutboxRelay;
import dev.sdfarm.gateway.problem.ProblemException;
import io.smallrye.common.annotation.RunOnVirtualThread;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AUTOMATIC1111's API ({@code /sdapi/v1}), shaped as webui v1.10 answers, so scripts written for webui work
 * unchanged. {@code txt2img} is synchronous as in webui: it queues a job like any other and waits for it.
 */
@Path("/sdapi/v1")
@Produces(MediaType.APPLICATION_JSON)
public class WebuiResource {
    private static final DateTimeFormatter JOB_TIMESTAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss")
            .withZone(ZoneOffset.UTC);

    @Inject
    CurrentCaller caller;
    @Inject
    JobService jobs;
    @Inject
    JobUpdates updates;
    @Inject
    OutboxRelay relay;
    @Inject
    ObjectStore store;
    @Inject
    WebuiModels models;
    @Inject
    ObjectMapper json;
    @ConfigProperty(name = "sdfarm.a1111.timeout", defaultValue = "PT30M")
    Duration timeout;

    /** webui's txt2img response. */
    public record Txt2ImgResponse(@JsonProperty("images") List<String> images,
                                  @JsonProperty("parameters") WebuiTxt2ImgRequest parameters,
                                  @JsonProperty("info") String info) {
    }

    @POST
    @Path("/txt2img")
    @Consumes(MediaType.APPLICATION_JSON)
    @RunOnVirtualThread
    public Txt2ImgResponse txt2img(WebuiTxt2ImgRequest request) throws IOException {
        Caller c = caller.require(Role.SUBMITTER);
        if (request == null) {
            throw ProblemException.badRequest("a JSON body is required");
        }
        JobService.Submission s = jobs.submit(c, WebuiTranslator.toJob(request, null), null);
        relay.wake();
        JobView end = updates.follow(c, s.job()).collect().last().await().atMost(timeout);
        if (end.state() != JobState.SUCCEEDED) {
            throw new ProblemException(end.state() == JobState.CANCELLED ? 409 : 500,
                    "job-" + end.state().name().toLowerCase(), "Job " + end.state().name().toLowerCase(),
                    "job " + end.id() + " " + end.state().name().toLowerCase() + ": " + end.error(), null, null);
        }
        List<OutputImage> outputs = jobs.outputs(c, end.id());
        List<String> images = new ArrayList<>();
        if (!Boolean.FALSE.equals(request.sendImages())) {
            for (OutputImage o : outputs) {
                try (InputStream in = store.open(o.key())) {
                    images.add(Base64.getEncoder().encodeToString(in.readAllBytes()));
                }
            }
        }
        return new Txt2ImgResponse(images, request, json.writeValueAsString(info(end, outputs)));
    }

    /** webui's {@code Processed.js()}: the generation as one JSON object, with every seed and infotext. */
    private Map<String, Object> info(JobView job, List<OutputImage> outputs) {
        GenerationParams p = job.params();
        List<Long> seeds = outputs.stream().map(OutputImage::seed).toList();
        List<String> infotexts = outputs.stream().map(OutputImage::infotext).toList();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("prompt", p.prompt());
        m.put("all_prompts", outputs.stream().map(o -> p.prompt()).toList());
        m.put("negative_prompt", p.negativePrompt());
        m.put("all_negative_prompts", outputs.stream().map(o -> p.negativePrompt()).toList());
        m.put("seed", p.seed());
        m.put("all_seeds", seeds);
        m.put("subseed", p.seed());
        m.put("all_subseeds", seeds);
        m.put("subseed_strength", 0);
        m.put("width", p.width());
        m.put("height", p.height());
        m.put("sampler_name", p.samplerName());
        m.put("cfg_scale", p.cfgScale());
        m.put("steps", p.steps());
        m.put("batch_size", p.batchSize());
        m.put("restore_faces", false);
        m.put("face_restoration_model", null);
        m.put("sd_model_name", job.model());
        m.put("sd_model_hash", job.modelSha256().substring(0, 10));
        m.put("sd_vae_name", null);
        m.put("sd_vae_hash", null);
        m.put("seed_resize_from_w", -1);
        m.put("seed_resize_from_h", -1);
        m.put("denoising_strength", 0);
        m.put("extra_generation_params", Map.of());
        m.put("index_of_first_image", 0);
        m.put("infotexts", infotexts);
        m.put("styles", List.of());
        m.put("job_timestamp", JOB_TIMESTAMP.format(job.createdAt()));
        m.put("clip_skip", p.clipSkip());
        m.put("is_using_inpainting_conditioning", false);
        m.put("version", "sdfarm");
        return m;
    }

    @GET
    @Path("/sd-models")
    public List<WebuiModels.SdModel> sdModels() {
        caller.require(Role.SUBMITTER);
        return models.list();
    }

    public record SamplerItem(@JsonProperty("name") String name, @JsonProperty("aliases") List<String> aliases,
                              @JsonProperty("options") Map<String, String> options) {
    }

    @GET
    @Path("/samplers")
    public List<SamplerItem> samplers() {
        caller.require(Role.SUBMITTER);
        List<SamplerItem> out = new ArrayList<>();
        for (Sampler s : Sampler.values()) {
            Map<String, String> options = s.defaultScheduler() == Scheduler.AUTOMATIC ? Map.of()
                    : Map.of("scheduler", s.defaultScheduler().schedulerName());
            out.add(new SamplerItem(s.label(), s.aliases(), options));
        }
        return out;
    }

    public record SchedulerItem(@JsonProperty("name") String name, @JsonProperty("label") String label,
                                @JsonProperty("aliases") List<String> aliases,
                                @JsonProperty("default_rho") double defaultRho,
                                @JsonProperty("need_inner_model") boolean needInnerModel) {
    }

    @GET
    @Path("/schedulers")
    public List<SchedulerItem> schedulers() {
        caller.require(Role.SUBMITTER);
        List<SchedulerItem> out = new ArrayList<>();
        for (Scheduler s : Scheduler.values()) {
            if (s == Scheduler.BETA) {
                continue; // not rendered by this engine yet
            }
            out.add(new SchedulerItem(s.schedulerName(), s.label(), s.aliases().isEmpty() ? null : s.aliases(),
                    Double.isNaN(s.defaultRho()) ? -1 : s.defaultRho(),
                    s == Scheduler.SGM_UNIFORM || s == Scheduler.SIMPLE || s == Scheduler.NORMAL
                            || s == Scheduler.DDIM));
        }
        return out;
    }

    @GET
    @Path("/progress")
    public Map<String, Object> progress() {
        Caller c = caller.require(Role.SUBMITTER);
        JobView job = jobs.latest(c).orElse(null);
        Map<String, Object> state = new LinkedHashMap<>();
        boolean active = job != null && !job.state().terminal();
        double fraction = job == null ? 0 : job.state().terminal() ? 0 : job.progress().fraction();
        state.put("skipped", false);
        state.put("interrupted", job != null && job.state() == JobState.CANCELLED);
        state.put("stopping_generation", false);
        state.put("job", active ? "job(" + job.id() + ")" : "");
        state.put("job_count", jobs.activeCount(c));
        state.put("job_timestamp", job == null ? "0" : JOB_TIMESTAMP.format(job.createdAt()));
        state.put("job_no", 0);
        state.put("sampling_step", active ? job.progress().step() % Math.max(1, job.params().steps()) : 0);
        state.put("sampling_steps", job == null ? 0 : job.params().steps());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("progress", fraction);
        m.put("eta_relative", 0.0);
        m.put("state", state);
        m.put("current_image", null);
        m.put("textinfo", active ? "In queue..." : null);
        return m;
    }

    /** Cancels the caller's active jobs, as webui's interrupt stops the one generation it runs. */
    @POST
    @Path("/interrupt")
    public Map<String, Object> interrupt() {
        Caller c = caller.require(Role.SUBMITTER);
        jobs.cancelActive(c);
        relay.wake();
        return Map.of();
    }

    @GET
    @Path("/options")
    public Map<String, Object> options() {
        Caller c = caller.require(Role.SUBMITTER);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sd_model_checkpoint", models.defaultTitle(c).orElse(null));
        m.put("CLIP_stop_at_last_layers", 1);
        m.put("randn_source", "GPU");
        m.put("eta_noise_seed_delta", 0);
        m.put("samples_format", "png");
        return m;
    }

    /** Sets options; {@code sd_model_checkpoint} (by title, name or hash) becomes the caller's default model. */
    @POST
    @Path("/options")
    @Consumes(MediaType.APPLICATION_JSON)
    public Map<String, Object> setOptions(Map<String, Object> body) {
        Caller c = caller.require(Role.SUBMITTER);
        if (body == null) {
            throw ProblemException.badRequest("a JSON object of options is required");
        }
        List<String> unknown = body.keySet().stream().filter(k -> !k.equals("sd_model_checkpoint")).toList();
        if (!unknown.isEmpty()) {
            throw ProblemException.unsupported("options this farm does not let clients set: " + unknown);
        }
        Object model = body.get("sd_model_checkpoint");
        if (model != null) {
            models.setDefault(c, model.toString());
        }
        return Map.of();
    }

    public record PngInfoRequest(@JsonProperty("image") String image) {
    }

    @POST
    @Path("/png-info")
    @Consumes(MediaType.APPLICATION_JSON)
    public Map<String, Object> pngInfo(PngInfoRequest body) {
        caller.require(Role.SUBMITTER);
        if (body == null || body.image() == null) {
            throw ProblemException.badRequest("give the PNG as base64 in \"image\"");
        }
        String b64 = body.image();
        int comma = b64.startsWith("data:") ? b64.indexOf(',') : -1;
        byte[] bytes;
        try {
            bytes = Base64.getMimeDecoder().decode(comma >= 0 ? b64.substring(comma + 1) : b64);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("\"image\" is not base64: " + e.getMessage());
        }
        PngImage png;
        try {
            png = PngReader.defaults().readText(new ByteArrayInputStream(bytes));
        } catch (PngFormatException e) {
            throw ProblemException.badRequest("\"image\" is not a readable PNG: " + e.getMessage());
        } catch (IOException e) {
            throw ProblemException.badRequest("\"image\" cannot be read: " + e.getMessage());
        }
        String text = png.parameters().orElse("");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("info", text);
        m.put("items", text.isEmpty() ? Map.of() : Map.of("parameters", text));
        Map<String, Object> parameters = new LinkedHashMap<>();
        if (!text.isEmpty()) {
            ParsedInfotext parsed = Infotext.parse(text);
            parameters.put("Prompt", parsed.prompt());
            parameters.put("Negative prompt", parsed.negativePrompt());
            parameters.putAll(parsed.fields());
        }
        m.put("parameters", parameters);
        return m;
    }
}

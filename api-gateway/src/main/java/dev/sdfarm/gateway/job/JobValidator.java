package dev.sdfarm.gateway.job;

import dev.sdfarm.core.message.GenerationParams;
import dev.sdfarm.diffusion.rng.FixedSeed;
import dev.sdfarm.diffusion.rng.NoiseSource;
import dev.sdfarm.diffusion.sample.Sampler;
import dev.sdfarm.diffusion.sample.Scheduler;
import dev.sdfarm.gateway.problem.Problem.FieldError;
import dev.sdfarm.gateway.problem.ProblemException;
import dev.sdfarm.gateway.webhook.WebhookConfig;
import dev.sdfarm.gateway.webhook.WebhookUrlPolicy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Checks a job request against the limits and the engine's catalogue and fills webui's API defaults
 * (sampler Euler, 50 steps, CFG 7, 512×512, one image). Every problem is reported at once, by field.
 * A random seed (-1) is fixed here, so the job renders the same images wherever and however often it runs.
 */
@ApplicationScoped
public class JobValidator {
    public static final String DEFAULT_SAMPLER = "Euler";
    public static final int DEFAULT_STEPS = 50;

    @Inject
    Limits limits;
    @Inject
    WebhookConfig webhookConfig;

    public GenerationParams validate(JobRequest r) {
        List<FieldError> errors = new ArrayList<>();
        String prompt = text(r.prompt(), "prompt", errors);
        String negative = text(r.negativePrompt(), "negative_prompt", errors);
        long seed = r.seed() == null ? FixedSeed.RANDOM : r.seed();
        if (seed < FixedSeed.RANDOM || seed > 0xFFFF_FFFFL) {
            errors.add(new FieldError("seed", "must be -1 (random) or between 0 and 4294967295, got " + seed));
        }
        String sampler = r.samplerName() == null || r.samplerName().isBlank() ? DEFAULT_SAMPLER : r.samplerName();
        try {
            sampler = Sampler.byName(sampler).label();
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError("sampler_name", e.getMessage()));
        }
        String scheduler = r.scheduler() == null || r.scheduler().isBlank() ? "automatic" : r.scheduler();
        try {
            scheduler = Scheduler.byName(scheduler).label();
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError("scheduler", e.getMessage()));
        }
        int steps = range(r.steps(), DEFAULT_STEPS, 1, limits.maxSteps(), "steps", errors);
        double cfg = r.cfgScale() == null ? 7.0 : r.cfgScale();
        if (!(cfg >= 1 && cfg <= 30)) {
            errors.add(new FieldError("cfg_scale", "must be between 1 and 30, got " + cfg));
        }
        int width = side(r.width(), "width", errors);
        int height = side(r.height(), "height", errors);
        if ((long) width * height > limits.maxPixels()) {
            errors.add(new FieldError("width", width + "x" + height + " is " + (long) width * height
                    + " pixels; the limit is " + limits.maxPixels()));
        }
        int batch = range(r.batchSize(), 1, 1, limits.maxBatchSize(), "batch_size", errors);
        int nIter = range(r.nIter(), 1, 1, limits.maxNIter(), "n_iter", errors);
        int clipSkip = range(r.clipSkip(), 1, 1, 12, "clip_skip", errors);
        Double eta = r.eta();
        if (eta != null && !(eta >= 0 && eta <= 1)) {
            errors.add(new FieldError("eta", "must be between 0 and 1, got " + eta));
        }
        String rng = r.rng() == null ? "GPU" : r.rng().toUpperCase(Locale.ROOT);
        try {
            NoiseSource.valueOf(rng);
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError("rng", "must be GPU, CPU or NV, got '" + r.rng() + "'"));
        }
        priority(r.priority(), errors);
        webhook(r.webhookUrl(), errors);
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        if (seed == FixedSeed.RANDOM) {
            seed = FixedSeed.random(ThreadLocalRandom.current());
        }
        return new GenerationParams(prompt, negative, seed, sampler, scheduler, steps, cfg, width, height, batch,
                nIter, clipSkip, eta, rng);
    }

    /** The queue the request asks for (interactive unless it says batch). */
    public Priority priority(String value, List<FieldError> errors) {
        if (value == null || value.isBlank()) {
            return Priority.INTERACTIVE;
        }
        try {
            return Priority.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError("priority", "must be interactive or batch, got '" + value + "'"));
            return Priority.INTERACTIVE;
        }
    }

    private void webhook(String url, List<FieldError> errors) {
        if (url == null) {
            return;
        }
        new WebhookUrlPolicy(webhookConfig.allowPrivate()).problem(url, false)
                .ifPresent(m -> errors.add(new FieldError("webhook_url", m)));
    }

    private String text(String value, String field, List<FieldError> errors) {
        if (value == null) {
            return "";
        }
        if (value.length() > limits.maxPromptChars()) {
            errors.add(new FieldError(field, "is " + value.length() + " characters; the limit is "
                    + limits.maxPromptChars()));
        }
        return value;
    }

    private int side(Integer value, String field, List<FieldError> errors) {
        int v = value == null ? 512 : value;
        if (v < 64 || v > limits.maxSide() || v % 8 != 0) {
            errors.add(new FieldError(field, "must be a multiple of 8 between 64 and " + limits.maxSide() + ", got "
                    + v));
        }
        return v;
    }

    private static int range(Integer value, int dflt, int min, int max, String field, List<FieldError> errors) {
        int v = value == null ? dflt : value;
        if (v < min || v > max) {
            errors.add(new FieldError(field, "must be between " + min + " and " + max + ", got " + v));
        }
        return v;
    }
}

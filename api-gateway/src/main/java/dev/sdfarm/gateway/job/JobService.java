package dev.sdfarm.gateway.job;

import java.time.Duration;
import dev.sdfarm.checkpoint.io.FileHashing;
import dev.sdfarm.core.Topics;
import dev.sdfarm.core.message.CancelRequest;
import dev.sdfarm.core.message.GenerationParams;
import dev.sdfarm.core.message.GenerationRequest;
import dev.sdfarm.core.message.JobEvent;
import dev.sdfarm.core.message.Messages;
import dev.sdfarm.core.message.ModelRef;
import dev.sdfarm.core.message.OutputImage;
import dev.sdfarm.gateway.auth.Caller;
import dev.sdfarm.gateway.auth.Tenant;
import dev.sdfarm.gateway.model.RegisteredModel;
import dev.sdfarm.gateway.outbox.OutboxMessage;
import dev.sdfarm.gateway.problem.Problem.FieldError;
import dev.sdfarm.gateway.problem.ProblemException;
import dev.sdfarm.gateway.webhook.WebhookOutbox;
import io.micrometer.core.annotation.Counted;
import io.micrometer.core.annotation.Timed;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Submits, reads and cancels jobs. A job row and the message that queues it are written in one transaction. */
@ApplicationScoped
public class JobService {
    private static final List<JobState> ACTIVE = List.of(JobState.QUEUED, JobState.RUNNING);

    @Inject
    JobValidator validator;
    @Inject
    RateLimiter rateLimiter;
    @Inject
    WebhookOutbox webhooks;
    @Inject
    QueueCounts counts;
    @Inject
    SubmitLookups lookups;

    /** A submission's outcome: the job, and whether this call created it (false: an idempotent replay). */
    public record Submission(JobView job, boolean created) {
    }

    @Transactional
    @Timed(value = "sdfarm.jobs.submit", description = "Job submissions (both APIs), replays and refusals included")
    @Counted(value = "sdfarm.jobs.submitted", description = "Job submissions (both APIs)")
    public Submission submit(Caller caller, JobRequest request, String idempotencyKey) {
        String requestHash = requestHash(request);
        if (idempotencyKey != null) {
            Optional<Job> earlier = byIdempotencyKey(caller.tenantId(), idempotencyKey);
            if (earlier.isPresent()) {
                return replay(earlier.get(), requestHash);
            }
        }
        SubmitLookups.TenantLimits tenant = lookups.tenant(caller.tenantId());
        if (tenant == null) {
            throw ProblemException.forbidden("tenant '" + caller.tenantId() + "' does not exist");
        }
        rateLimiter.acquire(caller, tenant.ratePerSecond());
        long active = counts.active(tenant.id(), tenant.maxActiveJobs());
        if (active >= tenant.maxActiveJobs()) {
            throw ProblemException.tooMany("quota", "tenant '" + tenant.id() + "' has " + active
                    + " queued or running jobs, its limit; wait for some to finish", Duration.ofSeconds(5));
        }
        GenerationParams params = validator.validate(request);
        Priority priority = validator.priority(request.priority(), new ArrayList<>());
        SubmitLookups.ModelRef model = model(request.model(), tenant);
        long position = counts.queued(priority);
        Instant now = Instant.now();
        Job job = new Job();
        job.id = UUID.randomUUID();
        job.tenantId = tenant.id();
        job.state = JobState.QUEUED;
        job.priority = priority;
        job.modelSha256 = model.sha256();
        job.params = Messages.toJsonString(params);
        job.idempotencyKey = idempotencyKey;
        job.requestHash = requestHash;
        job.webhookUrl = request.webhookUrl();
        job.totalSteps = params.totalSteps();
        job.createdAt = now;
        job.persist();
        GenerationRequest message = GenerationRequest.of(job.id, tenant.id(),
                new ModelRef(model.sha256(), model.storeKey(), model.name()), params, now);
        OutboxMessage.of(priority.topic(), model.sha256(), Messages.toJson(message), now).persist();
        counts.accepted(tenant.id(), priority);
        return new Submission(view(job, position, model.name()), true);
    }

    /** The job an earlier submission with this key made, if any. */
    @Transactional
    public Optional<Job> byIdempotencyKey(String tenantId, String key) {
        return Job.find("tenantId = ?1 and idempotencyKey = ?2", tenantId, key).firstResultOptional();
    }

    /** An earlier submission with the same key: the same job, unless the body differs. */
    @Transactional
    public Submission replay(Job earlier, String requestHash) {
        if (!earlier.requestHash.equals(requestHash)) {
            throw new ProblemException(422, "idempotency-key-reused", "Idempotency-Key reused",
                    "this Idempotency-Key was used for job " + earlier.id
                            + " with a different body; use a new key for a new job", null, null);
        }
        return new Submission(view(earlier), false);
    }

    /** The hash that tells a replayed submission from a new body under the same Idempotency-Key. */
    public static String requestHash(JobRequest request) {
        return FileHashing.sha256Hex(Messages.toJson(request));
    }

    @Transactional
    public JobView view(Caller caller, UUID id) {
        return view(owned(caller, id));
    }

    @Transactional
    public List<JobView> list(Caller caller, JobState state, int page, int size) {
        var query = state == null
                ? Job.<Job>find("tenantId", Sort.descending("createdAt").and("id"), caller.tenantId())
                : Job.<Job>find("tenantId = ?1 and state = ?2", Sort.descending("createdAt").and("id"),
                caller.tenantId(), state);
        List<Job> jobs = query.page(Page.of(page, size)).list();
        Map<UUID, Long> positions = queuePositions(jobs);
        Map<String, String> modelNames = new HashMap<>();
        return jobs.stream().map(j -> view(j, positions.get(j.id), modelNames.computeIfAbsent(j.modelSha256, sha -> {
            RegisteredModel m = RegisteredModel.findById(sha);
            return m == null ? null : m.name;
        }))).toList();
    }

    /**
     * The queue positions of the queued jobs among {@code jobs}, in one round trip: for each, the queued jobs of
     * its priority created before it (counted on the {@code jobs_queued} index).
     */
    @SuppressWarnings("unchecked")
    private static Map<UUID, Long> queuePositions(List<Job> jobs) {
        List<UUID> queued = jobs.stream().filter(j -> j.state == JobState.QUEUED).map(j -> j.id).toList();
        Map<UUID, Long> positions = new HashMap<>();
        if (queued.isEmpty()) {
            return positions;
        }
        List<Object[]> rows = Job.getEntityManager().createNativeQuery("""
                select j.id, (select count(*) from jobs q where q.state = 'QUEUED' and q.priority = j.priority
                              and q.created_at < j.created_at)
                from jobs j where j.id in (:ids)""").setParameter("ids", queued).getResultList();
        for (Object[] row : rows) {
            positions.put(UUID.fromString(String.valueOf(row[0])), ((Number) row[1]).longValue());
        }
        return positions;
    }

    /**
     * Cancels a job: a queued one ends at once (a worker that already took it skips or stops it on the cancel
     * message); a running one stops at its next step and ends when the worker says so.
     */
    @Transactional
    public JobView cancel(Caller caller, UUID id) {
        Job job = owned(caller, id);
        if (job.state.terminal()) {
            throw ProblemException.conflict("job " + id + " has already ended (" + job.state + ")");
        }
        Instant now = Instant.now();
        if (job.state == JobState.QUEUED) {
            job.state = JobState.CANCELLED;
            job.error = "cancelled by the client while queued";
            job.finishedAt = now;
            job.lastSeq = JobEvent.terminalSeq(job.totalSteps);
            webhooks.jobChanged(job);
        }
        OutboxMessage.of(Topics.JOB_CONTROL, id.toString(), Messages.toJson(CancelRequest.of(id, now)), now)
                .persist();
        JobUpdates.notifyChanged(id);
        return view(job);
    }

    /** The images of the caller's job (empty until it has succeeded). */
    @Transactional
    public List<OutputImage> outputs(Caller caller, UUID id) {
        Job job = owned(caller, id);
        return job.outputs == null ? List.of()
                : Messages.listFromJson(job.outputs.getBytes(StandardCharsets.UTF_8), OutputImage.class);
    }

    /** The caller's most recently submitted job. */
    @Transactional
    public Optional<JobView> latest(Caller caller) {
        return Job.<Job>find("tenantId", Sort.descending("createdAt").and("id"), caller.tenantId())
                .firstResultOptional().map(this::view);
    }

    @Transactional
    public long activeCount(Caller caller) {
        return Job.count("tenantId = ?1 and state in ?2", caller.tenantId(), ACTIVE);
    }

    /** Cancels every queued or running job of the caller. */
    @Transactional
    public void cancelActive(Caller caller) {
        List<Job> active = Job.list("tenantId = ?1 and state in ?2", caller.tenantId(), ACTIVE);
        for (Job j : active) {
            cancel(caller, j.id);
        }
    }

    Job owned(Caller caller, UUID id) {
        Job job = Job.findOwned(id, caller.tenantId());
        if (job == null) {
            throw ProblemException.notFound("no job " + id);
        }
        return job;
    }

    private SubmitLookups.ModelRef model(String ref, SubmitLookups.TenantLimits tenant) {
        if (ref != null && !ref.isBlank()) {
            SubmitLookups.ModelRef m = lookups.model(ref);
            if (m == null) {
                throw ProblemException.invalid(List.of(new FieldError("model", "no registered model '" + ref
                        + "' (give a name, sha256 or AutoV2 hash from GET /v1/models)")));
            }
            return m;
        }
        if (tenant.defaultModelSha256() != null) {
            SubmitLookups.ModelRef m = lookups.modelBySha(tenant.defaultModelSha256());
            if (m != null) {
                return m;
            }
        }
        List<SubmitLookups.ModelRef> all = lookups.allModels();
        if (all.size() == 1) {
            return all.getFirst();
        }
        throw ProblemException.invalid(List.of(new FieldError("model", all.isEmpty()
                ? "no model is registered yet (POST /v1/models)"
                : "several models are registered and the tenant has no default; name one")));
    }

    /** The owner's view of a job. */
    public JobView view(Job job) {
        RegisteredModel model = RegisteredModel.findById(job.modelSha256);
        return view(job, job.state == JobState.QUEUED
                ? Job.count("state = ?1 and priority = ?2 and createdAt < ?3", JobState.QUEUED, job.priority,
                job.createdAt) : null, model == null ? null : model.name);
    }

    /** The owner's view of a job, with its queue position known (a new job: estimated, see QueueCounts). */
    private JobView view(Job job, Long position, String modelName) {
        GenerationParams params = Messages.fromJson(job.params.getBytes(StandardCharsets.UTF_8),
                GenerationParams.class);
        List<JobView.Output> outputs = job.outputs == null ? null : outputs(job);
        return new JobView(job.id, job.state, job.priority.name().toLowerCase(), modelName,
                job.modelSha256, params, position,
                new JobView.Progress(job.step, job.totalSteps, job.totalSteps == 0 ? 0
                        : (double) job.step / job.totalSteps),
                outputs, job.error, job.createdAt, job.startedAt, job.finishedAt);
    }

    private static List<JobView.Output> outputs(Job job) {
        return Messages.listFromJson(job.outputs.getBytes(StandardCharsets.UTF_8), OutputImage.class).stream().map(o -> new JobView.Output(o.index(), "/v1/images/" + o.key(), o.seed(), o.width(),
                o.height(), o.infotext())).toList();
    }
}

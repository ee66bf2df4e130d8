package dev.sdfarm.gateway.job;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/** A job row: the request as queued (parameters JSON with the seed fixed) and where it has got to. */
@Entity
@Table(name = "jobs")
public class Job extends PanacheEntityBase {
    @Id
    public UUID id;
    @Column(name = "tenant_id")
    public String tenantId;
    @Enumerated(EnumType.STRING)
    public JobState state;
    @Enumerated(EnumType.STRING)
    public Priority priority;
    @Column(name = "model_sha256")
    public String modelSha256;
    public String params;
    @Column(name = "idempotency_key")
    public String idempotencyKey;
    @Column(name = "request_hash")
    public String requestHash;
    @Column(name = "webhook_url")
    public String webhookUrl;
    public int step;
    @Column(name = "total_steps")
    public int totalSteps;
    @Column(name = "last_seq")
    public long lastSeq;
    @Column(name = "worker_id")
    public String workerId;
    public String error;
    public String outputs;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "started_at")
    public Instant startedAt;
    @Column(name = "finished_at")
    public Instant finishedAt;

    /** The caller's own job, or null: another tenant's job is indistinguishable from a missing one. */
    public static Job findOwned(UUID id, String tenantId) {
        Job j = findById(id);
        return j != null && j.tenantId.equals(tenantId) ? j : null;
    }
}

package dev.sdfarm.gateway.auth;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A customer of the farm: its jobs, images and keys are its own. */
@Entity
@Table(name = "tenants")
public class Tenant extends PanacheEntityBase {
    @Id
    public String id;
    public String name;
    @Column(name = "max_active_jobs")
    public int maxActiveJobs;
    @Column(name = "rate_per_second")
    public double ratePerSecond;
    @Column(name = "default_model_sha256")
    public String defaultModelSha256;
    @Column(name = "created_at")
    public Instant createdAt;
    /** HMAC key of the tenant's webhook signatures; never logged, shown at creation and rotation only. */
    @Column(name = "webhook_secret")
    public String webhookSecret;
}

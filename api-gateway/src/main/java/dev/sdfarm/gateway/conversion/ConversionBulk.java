package dev.sdfarm.gateway.conversion;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/** A bulk request: every checkpoint under a prefix, one conversion each. */
@Entity
@Table(name = "conversion_bulks")
public class ConversionBulk extends PanacheEntityBase {
    @Id
    public UUID id;
    @Column(name = "source_prefix")
    public String sourcePrefix;
    @Column(name = "dest_prefix")
    public String destPrefix;
    public String options;
    public int count;
    public int skipped;
    @Column(name = "created_at")
    public Instant createdAt;
}

package dev.sdfarm.gateway.conversion;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/** A conversion row: one source checkpoint of the store slimmed into one output key. */
@Entity
@Table(name = "conversions")
public class Conversion extends PanacheEntityBase {
    @Id
    public UUID id;
    @Column(name = "bulk_id")
    public UUID bulkId;
    @Enumerated(EnumType.STRING)
    public ConversionState state;
    @Column(name = "source_key")
    public String sourceKey;
    @Column(name = "source_size")
    public long sourceSize;
    @Column(name = "output_key")
    public String outputKey;
    public String options;
    @Column(name = "options_key")
    public String optionsKey;
    public String launcher;
    @Column(name = "k8s_job")
    public String k8sJob;
    public int progress;
    public String phase;
    public int attempts;
    @Column(name = "log_tail")
    public String logTail;
    public String error;
    @Column(name = "source_sha256")
    public String sourceSha256;
    @Column(name = "output_sha256")
    public String outputSha256;
    @Column(name = "bytes_in")
    public Long bytesIn;
    @Column(name = "bytes_out")
    public Long bytesOut;
    public Double seconds;
    public String family;
    public String warnings;
    @Column(name = "model_sha256")
    public String modelSha256;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "started_at")
    public Instant startedAt;
    @Column(name = "finished_at")
    public Instant finishedAt;

    /** The store key the converter writes its result JSON to ({@code --result}). */
    public static String resultKey(UUID id) {
        return "conversions/" + id + "/result.json";
    }
}

package dev.sdfarm.gateway.model;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/** A checkpoint in the store that jobs may name: by name, sha256 or webui's AutoV2 short hash. */
@Entity
@Table(name = "models")
public class RegisteredModel extends PanacheEntityBase {
    @Id
    public String sha256;
    public String name;
    @Column(name = "store_key")
    public String storeKey;
    public String autov2;
    public String family;
    public String precision;
    public String ema;
    @Column(name = "size_bytes")
    public long sizeBytes;
    @Column(name = "registered_at")
    public Instant registeredAt;
    /** Lineage, for a model made by a conversion: the source checkpoint's sha256. */
    @Column(name = "source_sha256")
    public String sourceSha256;
    @Column(name = "conversion_id")
    public UUID conversionId;
    /** Source bytes minus output bytes (negative when the output is larger, e.g. fp16 to fp32); null otherwise. */
    @Column(name = "bytes_saved")
    public Long bytesSaved;

    void setLineage(ModelRegistrar.Lineage lineage) {
        sourceSha256 = lineage.sourceSha256();
        conversionId = lineage.conversionId();
        bytesSaved = lineage.bytesSaved();
    }

    /**
     * The model {@code ref} names: its name, full sha256, or AutoV2 hash (webui accepts "name [hash]" too, and
     * so do we); null if none.
     */
    public static RegisteredModel resolve(String ref) {
        String r = ref.trim();
        int bracket = r.lastIndexOf(" [");
        if (bracket > 0 && r.endsWith("]")) {
            RegisteredModel byHash = resolve(r.substring(bracket + 2, r.length() - 1));
            if (byHash != null) {
                return byHash;
            }
            r = r.substring(0, bracket);
        }
        if (r.matches("[0-9a-fA-F]{64}")) {
            return findById(r.toLowerCase());
        }
        if (r.matches("[0-9a-fA-F]{10}")) {
            return find("autov2", r.toLowerCase()).firstResult();
        }
        RegisteredModel byName = find("name", r).firstResult();
        int dot = r.lastIndexOf('.');
        return byName != null || dot <= 0 ? byName : find("name", r.substring(0, dot)).firstResult();
    }
}

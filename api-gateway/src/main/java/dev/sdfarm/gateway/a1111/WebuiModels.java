package dev.sdfarm.gateway.a1111;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.sdfarm.gateway.auth.Caller;
import dev.sdfarm.gateway.auth.Tenant;
import dev.sdfarm.gateway.job.SubmitLookups;
import dev.sdfarm.gateway.model.RegisteredModel;
import dev.sdfarm.gateway.problem.ProblemException;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.util.List;
import java.util.Optional;

/** The registry as webui lists checkpoints, and the caller's default model as webui's selected checkpoint. */
@ApplicationScoped
public class WebuiModels {
    @Inject
    SubmitLookups lookups;

    /** One entry of {@code GET /sdapi/v1/sd-models}. */
    public record SdModel(@JsonProperty("title") String title, @JsonProperty("model_name") String modelName,
                          @JsonProperty("hash") String hash, @JsonProperty("sha256") String sha256,
                          @JsonProperty("filename") String filename, @JsonProperty("config") String config) {
    }

    /** webui's title: the file name and the short hash, "name.safetensors [0123456789]". */
    static String title(RegisteredModel m) {
        String file = m.storeKey.substring(m.storeKey.lastIndexOf('/') + 1);
        int dot = file.indexOf('.');
        String ext = dot >= 0 ? file.substring(dot) : "";
        return m.name + ext + " [" + m.autov2 + "]";
    }

    @Transactional
    public List<SdModel> list() {
        return RegisteredModel.<RegisteredModel>listAll(Sort.ascending("name")).stream()
                .map(m -> new SdModel(title(m), m.name, m.autov2, m.sha256, m.storeKey, null)).toList();
    }

    @Transactional
    public Optional<String> defaultTitle(Caller c) {
        Tenant t = Tenant.findById(c.tenantId());
        if (t != null && t.defaultModelSha256 != null) {
            RegisteredModel m = RegisteredModel.findById(t.defaultModelSha256);
            if (m != null) {
                return Optional.of(title(m));
            }
        }
        return Optional.empty();
    }

    @Transactional
    public void setDefault(Caller c, String ref) {
        RegisteredModel m = RegisteredModel.resolve(ref);
        if (m == null) {
            throw ProblemException.unsupported("sd_model_checkpoint: no registered model '" + ref
                    + "' (see GET /sdapi/v1/sd-models)");
        }
        Tenant t = Tenant.findById(c.tenantId());
        t.defaultModelSha256 = m.sha256;
        lookups.forgetTenant(t.id);
    }
}

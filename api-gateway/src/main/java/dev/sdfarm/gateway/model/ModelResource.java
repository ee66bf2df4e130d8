package dev.sdfarm.gateway.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.sdfarm.gateway.auth.CurrentCaller;
import dev.sdfarm.gateway.auth.Role;
import dev.sdfarm.gateway.problem.ProblemException;
import io.quarkus.panache.common.Sort;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Instant;
import java.util.List;

/** The model registry: what jobs may render with. */
@Path("/v1/models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelResource {
    @Inject
    CurrentCaller caller;
    @Inject
    ModelRegistrar registrar;

    /** A registered model as clients see it. */
    public record ModelView(@JsonProperty("name") String name, @JsonProperty("sha256") String sha256,
                            @JsonProperty("autov2") String autov2, @JsonProperty("family") String family,
                            @JsonProperty("precision") String precision, @JsonProperty("ema") String ema,
                            @JsonProperty("size_bytes") long sizeBytes, @JsonProperty("key") String key,
                            @JsonProperty("registered_at") Instant registeredAt,
                            @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("lineage")
                            ModelRegistrar.Lineage lineage) {
        public static ModelView of(RegisteredModel m) {
            return new ModelView(m.name, m.sha256, m.autov2, m.family, m.precision, m.ema, m.sizeBytes, m.storeKey,
                    m.registeredAt, m.sourceSha256 == null ? null
                    : new ModelRegistrar.Lineage(m.sourceSha256, m.conversionId, m.bytesSaved));
        }
    }

    /** The body of {@code POST /v1/models}: a checkpoint already in the store, and the name to give it. */
    public record Registration(@JsonProperty("key") String key, @JsonProperty("name") String name) {
    }

    @GET
    public List<ModelView> list() {
        caller.require(Role.SUBMITTER);
        return RegisteredModel.<RegisteredModel>listAll(Sort.ascending("name")).stream().map(ModelView::of).toList();
    }

    /** Registers a checkpoint from the store: 201 when new, 200 when that file was registered already. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response register(Registration body) {
        caller.require(Role.OPERATOR);
        if (body == null || body.key() == null || body.key().isBlank()) {
            throw ProblemException.badRequest("give the checkpoint's object key: {\"key\": \"models/x.safetensors\"}");
        }
        ModelRegistrar.Result r = registrar.register(body.key(), body.name());
        return Response.status(r.created() ? 201 : 200).entity(ModelView.of(r.model())).build();
    }
}

package dev.sdfarm.gateway.worker;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.sdfarm.gateway.auth.CurrentCaller;
import dev.sdfarm.gateway.auth.Role;
import dev.sdfarm.gateway.model.RegisteredModel;
import dev.sdfarm.gateway.problem.ProblemException;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** The farm's workers, for operators. */
@Path("/v1/workers")
@Produces(MediaType.APPLICATION_JSON)
public class WorkerResource {
    @Inject
    CurrentCaller caller;
    @Inject
    WorkerDirectory directory;

    /** The body of {@code GET /v1/workers}. */
    public record WorkerList(@JsonProperty("workers") List<WorkerView> workers,
                             @JsonProperty("warnings") List<String> warnings) {
    }

    @GET
    @Operation(summary = "The farm's workers (operator role)",
            description = "Each worker's latest heartbeat (sent every 5 s) and, on Kubernetes, its pod; worker pods"
                    + " that have sent no heartbeat yet are listed too. Sorted by id. What could not be shown (for"
                    + " example pods the gateway may not list) is named in warnings.")
    public WorkerList list(@Parameter(description = "only workers in this state: alive, stale, starting, stopped")
                           @QueryParam("state") String state) {
        caller.require(Role.OPERATOR);
        WorkerState only = parse(state);
        WorkerDirectory.Snapshot now = directory.now();
        List<WorkerStatus> shown = now.workers().stream().filter(w -> only == null || w.state() == only).toList();
        Map<String, String> names = modelNames(shown);
        return new WorkerList(shown.stream().map(w -> WorkerView.of(w, names)).toList(), now.warnings());
    }

    private static WorkerState parse(String state) {
        if (state == null || state.isBlank()) {
            return null;
        }
        try {
            return WorkerState.valueOf(state.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("state must be one of " + Arrays.stream(WorkerState.values())
                    .map(s -> s.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "))
                    + "; it is '" + state + "'");
        }
    }

    /** The registered names of the models the workers hold, in one query. */
    private static Map<String, String> modelNames(List<WorkerStatus> workers) {
        Set<String> shas = workers.stream().filter(w -> w.heartbeat() != null)
                .flatMap(w -> w.heartbeat().residentModels().stream()).collect(Collectors.toSet());
        Map<String, String> names = new HashMap<>();
        if (!shas.isEmpty()) {
            RegisteredModel.<RegisteredModel>list("sha256 in ?1", shas).forEach(m -> names.put(m.sha256, m.name));
        }
        return names;
    }
}

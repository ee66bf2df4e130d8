package dev.sdfarm.gateway.conversion;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sdfarm.core.store.ObjectInfo;
import dev.sdfarm.core.store.ObjectKeys;
import dev.sdfarm.core.store.ObjectStore;
import dev.sdfarm.gateway.model.ModelResource;
import dev.sdfarm.gateway.model.RegisteredModel;
import dev.sdfarm.gateway.problem.Problem;
import dev.sdfarm.gateway.problem.ProblemException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Conversions: checked and recorded here, run by the {@link JobLauncher}, ended by {@link ConversionUpdates}.
 * A row is written only for a request that passed every check, and it is launched after its transaction commits.
 */
@ApplicationScoped
public class ConversionService {
    private static final Logger LOG = Logger.getLogger(ConversionService.class);
    static final String DEFAULT_DEST_PREFIX = "models/slim/";
    /** What a bulk run takes from its prefix (as the converter reads them). */
    static final Set<String> CHECKPOINT_EXTENSIONS = Set.of(".safetensors", ".ckpt", ".pt");
    /** The most conversions one bulk request makes; a larger prefix is refused (split it). */
    static final int MAX_BULK = 10_000;
    private static final List<ConversionState> ACTIVE = List.of(ConversionState.QUEUED, ConversionState.RUNNING);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    ObjectStore store;
    @Inject
    JobLauncher launcher;
    @Inject
    StoreEnvironment storeEnv;

    public ConversionView submit(ConversionRequest request) {
        List<Problem.FieldError> errors = new ArrayList<>();
        String source = checkKey(errors, "source", request.source());
        String dest = checkPrefix(errors, "dest_prefix", request.destPrefix());
        ConversionOptions options = checkOptions(errors, request.options());
        String output = dest == null || source == null || options == null ? null
                : checkOutput(errors, options.outputKey(dest, source.substring(source.lastIndexOf('/') + 1)));
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        ObjectInfo info = stat(source).orElseThrow(() -> ProblemException.notFound("no checkpoint at source key '"
                + source + "' in the " + store.describe()));
        checkVae(options);
        if (stat(output).isPresent()) {
            throw ProblemException.conflict("the output key '" + output + "' exists already; remove it or choose"
                    + " another dest_prefix or options");
        }
        Conversion c = QuarkusTransaction.requiringNew().call(() -> {
            if (Conversion.count("outputKey = ?1 and state in ?2", output, ACTIVE) > 0) {
                throw ProblemException.conflict("another conversion is writing '" + output + "' now");
            }
            return create(null, info, output, options);
        });
        LOG.infof("conversion %s queued: %s -> %s (%s) on %s", c.id, source, output, options.canonical(),
                launcher.name());
        launcher.launch(launchRequest(c));
        return view(c.id, true);
    }

    public BulkView bulk(BulkRequest request) {
        List<Problem.FieldError> errors = new ArrayList<>();
        String sourcePrefix = checkPrefix(errors, "source_prefix", request.sourcePrefix() == null ? ""
                : request.sourcePrefix());
        if (request.sourcePrefix() == null || request.sourcePrefix().isEmpty()) {
            errors.add(new Problem.FieldError("source_prefix", "give the folder to convert, e.g. \"models/raw/\""));
        }
        String dest = checkPrefix(errors, "dest_prefix", request.destPrefix());
        ConversionOptions options = checkOptions(errors, request.options());
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        checkVae(options);
        List<ObjectInfo> files = list(sourcePrefix).stream()
                .filter(o -> CHECKPOINT_EXTENSIONS.stream().anyMatch(e -> o.key().toLowerCase(Locale.ROOT).endsWith(e)))
                .filter(o -> !o.key().startsWith(dest))
                .toList();
        if (files.size() > MAX_BULK) {
            throw ProblemException.invalid(List.of(new Problem.FieldError("source_prefix", files.size()
                    + " checkpoints are under it, more than " + MAX_BULK + " in one request; use narrower prefixes")));
        }
        List<String> skipped = new ArrayList<>();
        List<Conversion> created = new ArrayList<>();
        UUID bulkId = QuarkusTransaction.requiringNew().call(() -> {
            ConversionBulk bulk = new ConversionBulk();
            bulk.id = UUID.randomUUID();
            bulk.sourcePrefix = sourcePrefix;
            bulk.destPrefix = dest;
            bulk.options = options.toJson();
            bulk.createdAt = Instant.now();
            bulk.persist();
            for (ObjectInfo f : files) {
                String output = options.outputKey(dest, f.key().substring(sourcePrefix.length()));
                if (!validKey(output) || alreadyConverted(f, output, options) || stat(output).isPresent()) {
                    skipped.add(f.key());
                } else {
                    created.add(create(bulk.id, f, output, options));
                }
            }
            bulk.count = created.size();
            bulk.skipped = skipped.size();
            return bulk.id;
        });
        LOG.infof("bulk conversion %s: %d queued, %d skipped under %s", bulkId, created.size(), skipped.size(),
                sourcePrefix);
        created.forEach(c -> launcher.launch(launchRequest(c)));
        return QuarkusTransaction.requiringNew().call(() -> {
            ConversionBulk b = ConversionBulk.findById(bulkId);
            List<ConversionView> views = created.stream().map(c -> view(Conversion.findById(c.id), false)).toList();
            return new BulkView(b.id, b.sourcePrefix, b.destPrefix, options, b.count, b.skipped, skipped, null,
                    views, b.createdAt);
        });
    }

    public ConversionView get(UUID id) {
        return view(id, true);
    }

    /** Newest first, by the index on (created_at, id) or (state, created_at, id). */
    public List<ConversionView> list(ConversionState state, int page, int size) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Sort order = Sort.descending("createdAt", "id");
            var query = state == null ? Conversion.<Conversion>findAll(order)
                    : Conversion.<Conversion>find("state", order, state);
            return query.page(Page.of(page, size)).list().stream().map(c -> view(c, false)).toList();
        });
    }

    public BulkView bulkView(UUID id, int page, int size) {
        return QuarkusTransaction.requiringNew().call(() -> {
            ConversionBulk b = ConversionBulk.findById(id);
            if (b == null) {
                throw ProblemException.notFound("no bulk conversion " + id);
            }
            Map<ConversionState, Long> states = new EnumMap<>(ConversionState.class);
            Conversion.getEntityManager().createQuery("select c.state, count(c) from Conversion c"
                    + " where c.bulkId = ?1 group by c.state", Object[].class).setParameter(1, id).getResultList()
                    .forEach(r -> states.put((ConversionState) r[0], (Long) r[1]));
            List<ConversionView> views = Conversion.<Conversion>find("bulkId", Sort.descending("createdAt", "id"), id)
                    .page(Page.of(page, size)).list().stream().map(c -> view(c, false)).toList();
            return new BulkView(b.id, b.sourcePrefix, b.destPrefix, ConversionOptions.fromJson(b.options), b.count,
                    b.skipped, null, states, views, b.createdAt);
        });
    }

    /** Stops a queued or running conversion; it ends as FAILED with "cancelled". */
    public ConversionView cancel(UUID id) {
        ConversionView v = view(id, false);
        if (v.state().ended()) {
            throw ProblemException.conflict("conversion " + id + " has ended (" + v.state() + ")");
        }
        launcher.cancel(id);
        return v;
    }

    void onStart(@Observes StartupEvent e) {
        recoverUnfinished();
    }

    /** Hands what an earlier gateway left QUEUED or RUNNING to the launcher (at startup). */
    public void recoverUnfinished() {
        List<Conversion> unfinished = QuarkusTransaction.requiringNew().call(() ->
                Conversion.<Conversion>list("state in ?1", Sort.ascending("createdAt"), ACTIVE));
        if (unfinished.isEmpty()) {
            return;
        }
        LOG.infof("%d unfinished conversions from before this start go to the %s launcher", unfinished.size(),
                launcher.name());
        launcher.recover(unfinished.stream().filter(c -> c.state == ConversionState.QUEUED)
                        .map(this::launchRequest).toList(),
                unfinished.stream().filter(c -> c.state == ConversionState.RUNNING).map(c -> c.id).toList());
    }

    private Conversion create(UUID bulkId, ObjectInfo source, String output, ConversionOptions options) {
        Conversion c = new Conversion();
        c.id = UUID.randomUUID();
        c.bulkId = bulkId;
        c.state = ConversionState.QUEUED;
        c.sourceKey = source.key();
        c.sourceSize = source.size();
        c.outputKey = output;
        c.options = options.toJson();
        c.optionsKey = options.canonical();
        c.launcher = launcher.name();
        c.k8sJob = launcher.name().equals("kubernetes") ? ConverterJobTemplate.jobName(c.id) : null;
        c.createdAt = Instant.now();
        c.persist();
        return c;
    }

    /**
     * A bulk run skips a source that was converted alike: a SUCCEEDED conversion of the same key and size with
     * the same options, or one of the same key and options still queued or running. (The gateway does not hash
     * sources to decide: that would read every file of the prefix.)
     */
    private static boolean alreadyConverted(ObjectInfo source, String output, ConversionOptions options) {
        return Conversion.count("sourceKey = ?1 and optionsKey = ?2 and ((state = ?3 and sourceSize = ?4)"
                        + " or state in ?5)", source.key(), options.canonical(), ConversionState.SUCCEEDED,
                source.size(), ACTIVE) > 0
                || Conversion.count("outputKey = ?1 and state in ?2", output, ACTIVE) > 0;
    }

    LaunchRequest launchRequest(Conversion c) {
        return new LaunchRequest(c.id, ConverterArguments.of(storeEnv.location(), c.id, c.sourceKey, c.outputKey,
                ConversionOptions.fromJson(c.options)));
    }

    private ConversionView view(UUID id, boolean withLog) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Conversion c = Conversion.findById(id);
            if (c == null) {
                throw ProblemException.notFound("no conversion " + id);
            }
            return view(c, withLog);
        });
    }

    private static ConversionView view(Conversion c, boolean withLog) {
        ConversionView.Result result = null;
        ModelResource.ModelView model = null;
        if (c.state == ConversionState.SUCCEEDED && c.outputSha256 != null) {
            result = new ConversionView.Result(c.sourceSha256, c.outputSha256, c.bytesIn, c.bytesOut,
                    c.bytesIn - c.bytesOut, c.seconds, c.family, warnings(c.warnings));
            RegisteredModel m = c.modelSha256 == null ? null : RegisteredModel.findById(c.modelSha256);
            model = m == null ? null : ModelResource.ModelView.of(m);
        }
        List<String> log = withLog && c.logTail != null && !c.logTail.isEmpty()
                ? Arrays.asList(c.logTail.split("\n")) : null;
        return new ConversionView(c.id, c.bulkId, c.state, c.sourceKey, c.outputKey,
                ConversionOptions.fromJson(c.options), c.launcher, c.k8sJob,
                new ConversionView.Progress(c.progress, c.phase), c.attempts, log, c.error, result, model,
                c.createdAt, c.startedAt, c.finishedAt);
    }

    private static List<String> warnings(String json) {
        try {
            return json == null ? List.of() : JSON.readValue(json, new TypeReference<List<String>>() {
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void checkVae(ConversionOptions options) {
        if (options.bakeVae() != null && stat(options.bakeVae()).isEmpty()) {
            throw ProblemException.invalid(List.of(new Problem.FieldError("options.bake_vae",
                    "no VAE at key '" + options.bakeVae() + "' in the " + store.describe())));
        }
    }

    private static String checkKey(List<Problem.FieldError> errors, String field, String key) {
        if (key == null || key.isBlank()) {
            errors.add(new Problem.FieldError(field, "required: the checkpoint's object key, e.g."
                    + " \"models/raw/sd15.ckpt\""));
            return null;
        }
        try {
            return ObjectKeys.require(key);
        } catch (IllegalArgumentException e) {
            errors.add(new Problem.FieldError(field, e.getMessage()));
            return null;
        }
    }

    private static String checkPrefix(List<Problem.FieldError> errors, String field, String prefix) {
        if (prefix == null) {
            return DEFAULT_DEST_PREFIX;
        }
        try {
            String p = ObjectKeys.requirePrefix(prefix);
            if (p.isEmpty() && field.equals("dest_prefix")) {
                errors.add(new Problem.FieldError(field, "must name a folder, e.g. \"models/slim/\""));
            }
            return p;
        } catch (IllegalArgumentException e) {
            errors.add(new Problem.FieldError(field, e.getMessage()));
            return null;
        }
    }

    private static ConversionOptions checkOptions(List<Problem.FieldError> errors, ConversionOptions options) {
        if (options == null) {
            return ConversionOptions.defaults();
        }
        List<Problem.FieldError> problems = options.problems();
        errors.addAll(problems);
        return problems.isEmpty() ? options.resolved() : null;
    }

    private static String checkOutput(List<Problem.FieldError> errors, String output) {
        if (!validKey(output)) {
            errors.add(new Problem.FieldError("dest_prefix", "the output key '" + output + "' is not a valid key: "
                    + reason(output)));
            return null;
        }
        return output;
    }

    private static boolean validKey(String key) {
        return reason(key) == null;
    }

    private static String reason(String key) {
        try {
            ObjectKeys.require(key);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    private Optional<ObjectInfo> stat(String key) {
        try {
            return store.stat(key);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + key + " in the " + store.describe(), e);
        }
    }

    private List<ObjectInfo> list(String prefix) {
        try {
            return store.list(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + prefix + " in the " + store.describe(), e);
        }
    }
}

package dev.sdfarm.gateway.job;

import dev.sdfarm.gateway.auth.Tenant;
import dev.sdfarm.gateway.model.RegisteredModel;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The rows every submission reads, the tenant (limits, default model) and the model it names, kept for at most
 * {@link #MAX_AGE_MILLIS} so a busy tenant costs no query for them. Changes made through this instance take
 * effect at once ({@link #forgetTenant}, {@link #forgetModels}); changes made through another instance within a
 * second. Missing rows are not remembered, so a tenant or model created a moment ago is found at once.
 */
@ApplicationScoped
public class SubmitLookups {
    static final long MAX_AGE_MILLIS = 1_000;

    /** What a submission needs of its tenant. */
    public record TenantLimits(String id, int maxActiveJobs, double ratePerSecond, String defaultModelSha256) {
    }

    /** What a submission needs of its model. */
    public record ModelRef(String sha256, String storeKey, String name) {
        static ModelRef of(RegisteredModel m) {
            return m == null ? null : new ModelRef(m.sha256, m.storeKey, m.name);
        }
    }

    private record Entry<T>(T value, long expiresAtMillis) {
    }

    private final ConcurrentHashMap<String, Entry<TenantLimits>> tenants = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Entry<ModelRef>> models = new ConcurrentHashMap<>();
    /** The models when there is no reference: all of them, oldest first (a submission picks the only one). */
    private volatile Entry<List<ModelRef>> all;

    /** The tenant, or null if it does not exist. Call inside a transaction. */
    public TenantLimits tenant(String id) {
        return cached(tenants, id, () -> {
            Tenant t = Tenant.findById(id);
            return t == null ? null : new TenantLimits(t.id, t.maxActiveJobs, t.ratePerSecond, t.defaultModelSha256);
        });
    }

    /** The model a reference (name, sha256, AutoV2 hash, webui title) names, or null. */
    public ModelRef model(String ref) {
        return cached(models, "ref:" + ref, () -> ModelRef.of(RegisteredModel.resolve(ref)));
    }

    /** The model with this sha256, or null. */
    public ModelRef modelBySha(String sha256) {
        return cached(models, "sha:" + sha256, () -> ModelRef.of(RegisteredModel.findById(sha256)));
    }

    /** Every registered model, oldest first. */
    public List<ModelRef> allModels() {
        Entry<List<ModelRef>> e = all;
        long now = System.currentTimeMillis();
        if (e == null || e.expiresAtMillis < now) {
            List<ModelRef> list = RegisteredModel.<RegisteredModel>listAll(Sort.ascending("registeredAt")).stream()
                    .map(ModelRef::of).toList();
            e = new Entry<>(list, now + MAX_AGE_MILLIS);
            all = e;
        }
        return e.value;
    }

    /** The tenant changed (its limits or default model). */
    public void forgetTenant(String id) {
        tenants.remove(id);
    }

    /** A model was registered or changed. */
    public void forgetModels() {
        models.clear();
        all = null;
    }

    private static <T> T cached(ConcurrentHashMap<String, Entry<T>> map, String key, Supplier<T> load) {
        long now = System.currentTimeMillis();
        Entry<T> e = map.get(key);
        if (e != null && e.expiresAtMillis >= now) {
            return e.value;
        }
        T v = load.get();
        if (v == null) {
            map.remove(key);
        } else {
            map.put(key, new Entry<>(v, now + MAX_AGE_MILLIS));
        }
        return v;
    }
}

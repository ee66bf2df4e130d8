package dev.sdfarm.checkpoint.inspect;

import dev.sdfarm.checkpoint.hash.ModelHashes;
import dev.sdfarm.checkpoint.inspect.Inspection.DTypeCount;
import dev.sdfarm.checkpoint.json.JsonWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders an {@link Inspection} as JSON in schema {@value #SCHEMA} (documented in
 * {@code docs/inspect-json.md}). Fields are only ever added within a schema version; a rename or removal
 * bumps it.
 */
public final class InspectionJson {
    public static final String SCHEMA = "sdfarm.inspect/1";

    private InspectionJson() {
    }

    public static String render(Inspection in) {
        return JsonWriter.pretty(toMap(in));
    }

    public static Map<String, Object> toMap(Inspection in) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", SCHEMA);
        m.put("file", obj("path", in.file().path(), "bytes", in.file().bytes(), "format", in.file().format()));
        m.put("hashes", in.hashes() == null ? null : hashes(in.hashes()));
        m.put("model", obj("family", in.model().family().id(), "name", in.model().displayName(),
                "detail", in.model().detail(), "architecture", in.architecture(),
                "evidence", in.model().evidence()));
        m.put("totals", obj("tensors", in.totals().tensors(), "parameters", in.totals().parameters(),
                "bytes", in.totals().bytes(), "dtypes", dtypes(in.totals().dtypes())));
        List<Object> comps = new ArrayList<>();
        for (var c : in.components()) {
            comps.add(obj("id", c.id(), "tensors", c.tensors(), "parameters", c.parameters(), "bytes", c.bytes(),
                    "dtypes", dtypes(c.dtypes())));
        }
        m.put("components", comps);
        var e = in.ema();
        m.put("ema", obj("present", e.present(), "tensors", e.tensors(), "bytes", e.bytes(), "decay", e.decay(),
                "num_updates", e.numUpdates()));
        var j = in.junk();
        List<Object> groups = new ArrayList<>();
        j.groups().forEach(g -> groups.add(obj("reason", g.reason(), "tensors", g.tensors(), "bytes", g.bytes(),
                "examples", g.examples())));
        List<Object> extras = new ArrayList<>();
        j.extras().forEach(x -> extras.add(obj("entry", x.entry(), "tensors", x.tensors(), "bytes", x.bytes())));
        m.put("junk", obj("tensors", j.tensors(), "bytes", j.bytes(), "state_dict", groups, "training_state", extras));
        var p = in.positionIds();
        m.put("clip_position_ids", p == null ? null : obj("key", p.key(), "state", p.state(), "dtype", p.dtype(),
                "shape", p.shape(), "non_integral", p.nonIntegral()));
        m.put("unknown", obj("tensors", in.unknown().tensors(), "bytes", in.unknown().bytes(),
                "keys", in.unknown().keys()));
        m.put("storage_sharing", obj("shared_tensors", in.sharing().sharedTensors(), "views", in.sharing().views()));
        m.put("legacy_text_encoder_keys", in.legacyTextEncoderKeys());
        m.put("metadata", in.metadata());
        m.put("warnings", in.warnings());
        return m;
    }

    private static Map<String, Object> hashes(ModelHashes h) {
        return obj("sha256", h.sha256(), "autov2", h.autoV2(), "legacy", h.legacy(),
                "tensor_sha256", h.tensorSha256(), "autov3", h.autoV3());
    }

    private static Map<String, Object> dtypes(List<DTypeCount> counts) {
        Map<String, Object> m = new LinkedHashMap<>();
        counts.forEach(c -> m.put(c.dtype(), obj("tensors", c.tensors(), "bytes", c.bytes())));
        return m;
    }

    /** An ordered JSON object from alternating keys and values. */
    static Map<String, Object> obj(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}

package dev.sdfarm.converter.cli;

import static dev.sdfarm.checkpoint.Counts.bytes;

import dev.sdfarm.checkpoint.Counts;
import dev.sdfarm.checkpoint.inspect.Inspection;
import dev.sdfarm.checkpoint.inspect.Inspection.DTypeCount;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The human-readable form of an {@link Inspection}. */
public final class InspectionRenderer {
    private InspectionRenderer() {
    }

    public static String text(Inspection in) {
        StringBuilder sb = new StringBuilder();
        line(sb, "file", in.file().path() + "  (" + bytes(in.file().bytes()) + ", "
                + (in.file().format().equals("safetensors") ? "safetensors" : "torch zip archive") + ")");
        line(sb, "model", in.model().displayName() + "  [" + in.model().id() + "]"
                + (in.architecture() == null ? "" : "  architecture " + in.architecture()));
        if (in.hashes() != null) {
            var h = in.hashes();
            line(sb, "sha256", h.sha256());
            line(sb, "short hashes", "AutoV2 " + h.autoV2() + "   legacy " + h.legacy()
                    + (h.autoV3() == null ? "" : "   AutoV3 " + h.autoV3()));
        }
        line(sb, "tensors", String.format(Locale.ROOT, "%,d tensors, %s parameters, %s  (%s)",
                in.totals().tensors(), count(in.totals().parameters()), bytes(in.totals().bytes()),
                dtypes(in.totals().dtypes())));
        sb.append("components\n");
        for (var c : in.components()) {
            sb.append(String.format(Locale.ROOT, "  %-14s %,7d tensors %10s params %10s   %s%n", c.id(), c.tensors(),
                    count(c.parameters()), bytes(c.bytes()), dtypes(c.dtypes())));
        }
        var e = in.ema();
        line(sb, "EMA", !e.present() ? "none" : String.format(Locale.ROOT, "%,d tensors (%s)%s%s", e.tensors(),
                bytes(e.bytes()), e.decay() == null ? "" : ", decay " + String.format(Locale.ROOT, "%.6g", e.decay()),
                e.numUpdates() == null ? "" : String.format(Locale.ROOT, ", %,d updates", e.numUpdates())));
        var j = in.junk();
        if (j.groups().isEmpty() && j.extras().isEmpty()) {
            line(sb, "junk", "none");
        } else {
            line(sb, "junk", String.format(Locale.ROOT, "%s, %s (--drop-junk removes them)", Counts.tensors(j.tensors()),
                    bytes(j.bytes())));
            for (var g : j.groups()) {
                sb.append(String.format(Locale.ROOT, "  %s, %s: %s, e.g. %s%n", Counts.tensors(g.tensors()), bytes(g.bytes()),
                        g.reason(), g.examples().getFirst()));
            }
            if (!j.extras().isEmpty()) {
                sb.append("  training state: ").append(j.extras().stream()
                        .map(x -> x.entry() + (x.tensors() > 0 ? " (" + Counts.tensors(x.tensors()) + ")" : ""))
                        .collect(Collectors.joining(", "))).append('\n');
            }
        }
        var p = in.positionIds();
        if (p != null) {
            line(sb, "position_ids", p.state().equals("absent") ? "absent" : p.dtype() + " "
                    + java.util.Arrays.toString(p.shape()) + ": " + switch (p.state()) {
                        case "ok" -> "ok (0..N-1)";
                        case "float" -> "float, integral values (--fix-clip stores int64)";
                        case "broken" -> "BROKEN, " + p.nonIntegral() + " non-integral values (--fix-clip repairs)";
                        default -> "not 0..N-1 (--fix-clip repairs)";
                    });
        }
        var u = in.unknown();
        line(sb, "unknown", u.tensors() == 0 ? "none" : String.format(Locale.ROOT,
                "%s, %s outside the architecture (--keep-only-known drops them), e.g. %s", Counts.tensors(u.tensors()),
                bytes(u.bytes()), String.join(", ", u.keys().subList(0, Math.min(3, u.keys().size())))));
        if (in.sharing().sharedTensors() > 0 || in.sharing().views() > 0) {
            line(sb, "storage", in.sharing().sharedTensors() + " tensors share storage, " + in.sharing().views()
                    + " are views");
        }
        line(sb, "metadata", in.metadata().isEmpty() ? "none" : in.metadata().size() + (in.metadata().size() == 1 ? " entry" : " entries"));
        in.metadata().forEach((k, v) -> sb.append("  ").append(k).append(": ").append(abbreviate(v)).append('\n'));
        for (String w : in.warnings()) {
            sb.append("warning: ").append(w).append('\n');
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String key, String value) {
        sb.append(String.format(Locale.ROOT, "%-13s %s%n", key, value));
    }

    private static String dtypes(List<DTypeCount> counts) {
        return counts.stream().map(c -> c.dtype() + " " + c.tensors()).collect(Collectors.joining(", "));
    }

    /** 859.52 M, 1.07 B. */
    static String count(long n) {
        if (n >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.2f B", n / 1e9);
        }
        if (n >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.2f M", n / 1e6);
        }
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static String abbreviate(String v) {
        String one = v.replace('\n', ' ');
        return one.length() > 100 ? one.substring(0, 97) + "..." : one;
    }
}

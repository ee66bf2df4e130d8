package dev.sdfarm.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The chart under test: lint and render it with the Helm library of helm-java, parse what it renders. */
final class Chart {
    static final Path DIR = Path.of("helm", "sdfarm");
    static final String RELEASE = "farm";
    static final String NAMESPACE = "render";
    /** helm template defaults to Kubernetes 1.20, below the chart's kubeVersion. */
    static final String KUBE_VERSION = "v1.31.0";

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private Chart() {
    }

    /** The ci/*-values.yaml scenarios. */
    static List<Path> scenarios() {
        try (Stream<Path> files = Files.list(DIR.resolve("ci"))) {
            return files.filter(f -> f.getFileName().toString().endsWith("-values.yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path scenario(String name) {
        return DIR.resolve("ci").resolve(name + "-values.yaml");
    }

    /** {@code helm template} with a values file (or none) and {@code --set} pairs; Helm's errors are thrown. */
    static String template(Path valuesFile, Object... sets) {
        TemplateCommand t = new Helm(DIR).template().withName(RELEASE).withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION);
        if (valuesFile != null) {
            t = t.withValuesFile(valuesFile);
        }
        for (int i = 0; i < sets.length; i += 2) {
            t = t.set((String) sets[i], sets[i + 1]);
        }
        return t.call();
    }

    /** The rendered documents as Fabric8 objects (kinds Fabric8 does not know become GenericKubernetesResource). */
    static List<HasMetadata> render(Path valuesFile, Object... sets) {
        return parse(template(valuesFile, sets));
    }

    static List<HasMetadata> parse(String yaml) {
        Object parsed = SERIALIZATION.unmarshal(yaml);
        if (parsed instanceof List<?> list) {
            return list.stream().map(HasMetadata.class::cast).toList();
        }
        return List.of((HasMetadata) parsed);
    }

    static <T extends HasMetadata> List<T> ofType(List<HasMetadata> objects, Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    static <T extends HasMetadata> T named(List<HasMetadata> objects, Class<T> type, String component) {
        String name = RELEASE + "-sdfarm-" + component;
        return ofType(objects, type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name + " rendered"));
    }

    /**
     * {@code helm lint --strict} with a values file. helm-java's lint reads only the chart's own values.yaml, so
     * the scenario is merged over it (maps key by key, everything else replaced, as Helm merges) into a copy.
     */
    static LintResult lint(Path valuesFile) throws IOException {
        Path copy = Files.createTempDirectory("sdfarm-chart-");
        try {
            copyTree(DIR, copy);
            if (valuesFile != null) {
                Map<String, Object> merged = merge(readYaml(DIR.resolve("values.yaml")), readYaml(valuesFile));
                YAML.writeValue(copy.resolve("values.yaml").toFile(), merged);
            }
            return new Helm(copy).lint().strict().call();
        } finally {
            deleteTree(copy);
        }
    }

    /**
     * The objects of the {@code helm test} hooks. helm-java's template returns the release manifest only, without
     * hooks, so a copy of the chart whose templates lose their {@code helm.sh/hook} lines is rendered instead.
     */
    static List<HasMetadata> renderTestHooks(Object... sets) throws IOException {
        Path copy = Files.createTempDirectory("sdfarm-chart-");
        try {
            copyTree(DIR, copy);
            Path tests = copy.resolve("templates").resolve("tests");
            try (Stream<Path> files = Files.list(tests)) {
                for (Path f : files.toList()) {
                    String text = Files.readString(f);
                    if (!text.contains("helm.sh/hook: test")) {
                        throw new AssertionError(f.getFileName() + " is not a helm test hook");
                    }
                    Files.writeString(f, text.replaceAll("(?m)^\\s*helm\\.sh/hook.*\\n", ""));
                }
            }
            TemplateCommand t = new Helm(copy).template().withName(RELEASE).withNamespace(NAMESPACE)
                    .withKubeVersion(KUBE_VERSION);
            for (int i = 0; i < sets.length; i += 2) {
                t = t.set((String) sets[i], sets[i + 1]);
            }
            return parse(t.call()).stream().filter(o -> o.getMetadata().getLabels()
                    .getOrDefault("app.kubernetes.io/component", "").equals("test")).toList();
        } finally {
            deleteTree(copy);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> readYaml(Path file) throws IOException {
        Map<String, Object> map = YAML.readValue(file.toFile(), Map.class);
        return map == null ? new LinkedHashMap<>() : map;
    }

    /** The value at a dotted path of a values file, or null. */
    @SuppressWarnings("unchecked")
    static Object value(Path valuesFile, String dottedPath) throws IOException {
        Object node = readYaml(valuesFile);
        for (String key : dottedPath.split("\\.")) {
            if (!(node instanceof Map<?, ?> map)) {
                return null;
            }
            node = ((Map<String, Object>) map).get(key);
        }
        return node;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> merge(Map<String, Object> base, Map<String, Object> over) {
        Map<String, Object> out = new LinkedHashMap<>(base);
        over.forEach((k, v) -> {
            if (v instanceof Map<?, ?> m && out.get(k) instanceof Map<?, ?> b) {
                out.put(k, merge((Map<String, Object>) b, (Map<String, Object>) m));
            } else {
                out.put(k, v);
            }
        });
        return out;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}

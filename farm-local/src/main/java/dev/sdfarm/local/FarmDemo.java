package dev.sdfarm.local;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * The farm part of {@code ./sdfarm demo}: starts {@link LocalFarm} in this JVM, puts a checkpoint into the store,
 * registers it with the admin key, and renders through the real HTTP APIs: native jobs (one followed over
 * server-sent events, one polled) and a webui-style {@code /sdapi/v1/txt2img} call without credentials, as a local
 * webui script would make. Then it stops the farm, or with {@code --keep} leaves it running until Ctrl-C.
 * <pre>
 * FarmDemo --model FILE [--size N] [--steps N] [--keep] [LocalFarmMain options]
 * </pre>
 */
public final class FarmDemo {
    private FarmDemo() {}

    public static void main(String[] args) throws Exception {
        LocalFarmMain.quietLogging();
        Set<String> valued = new HashSet<>(LocalFarmMain.OPTIONS);
        valued.addAll(List.of("--model", "--size", "--steps"));
        Map<String, String> o = LocalFarmMain.parse(args, valued, Set.of("--keep"), FarmDemo::usage);
        if (!o.containsKey("--model")) {
            usage();
        }
        Path model = Path.of(o.get("--model"));
        int size = Integer.parseInt(o.getOrDefault("--size", "64"));
        int steps = Integer.parseInt(o.getOrDefault("--steps", "4"));
        boolean keep = o.containsKey("--keep");
        Map<String, String> farmOpts = new LinkedHashMap<>(o);
        farmOpts.keySet().removeAll(List.of("--model", "--size", "--steps", "--keep"));

        step("starting the farm: PostgreSQL, Kafka, gateway, worker (logs under " + farmOpts.getOrDefault("--home",
                ".sdfarm") + "/logs)");
        long t0 = System.nanoTime();
        LocalFarm farm = LocalFarmMain.startOrExit(LocalFarmMain.config(farmOpts));
        System.out.printf("up in %.1f s%n%s%n", (System.nanoTime() - t0) / 1e9, farm.describe());
        int rc = 0;
        try {
            run(farm, model, size, steps);
        } catch (RuntimeException e) {
            System.err.println("demo: " + e.getMessage());
            System.err.println("demo: see the logs under " + farm.home().resolve("logs"));
            rc = 1;
        }
        if (keep && rc == 0) {
            System.out.println("\nThe farm keeps running (--keep); Ctrl-C stops it.");
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                farm.close();
                stopped.countDown();
            }));
            stopped.await();
            return;
        }
        step("stopping the farm (data stays in " + farm.home() + "; ./sdfarm up --home " + farm.home()
                + " starts it again)");
        farm.close();
        System.exit(rc);
    }

    private static void run(LocalFarm farm, Path modelFile, int size, int steps) throws Exception {
        String storeKey = "models/" + modelFile.getFileName();
        Path inStore = farm.storeDir().resolve(storeKey);
        step("copy " + modelFile + " into the store (" + inStore + ") and register it (POST /v1/models, admin key)");
        Files.createDirectories(inStore.getParent());
        if (!Files.exists(inStore) || Files.size(inStore) != Files.size(modelFile)
                || Files.getLastModifiedTime(inStore).compareTo(Files.getLastModifiedTime(modelFile)) < 0) {
            Path tmp = inStore.resolveSibling(inStore.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            try {
                Files.createLink(tmp, modelFile); // same file system: no second copy of a multi-GB file
            } catch (java.io.IOException | UnsupportedOperationException e) {
                Files.copy(modelFile, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(tmp, inStore, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        String name = modelFile.getFileName().toString().replaceFirst("\\.[^.]+$", "");
        try (FarmClient admin = new FarmClient(farm.gatewayUrl(), farm.adminKey());
             FarmClient webui = new FarmClient(farm.webuiUrl(), null)) {
            JsonNode m = admin.registerModel(storeKey, name);
            String sha = m.path("sha256").asText();
            System.out.printf("model %s  %s  sha256 %s%n", m.path("name").asText(), m.path("family").asText(), sha);

            step("native API: two jobs (POST /v1/jobs); the first followed over server-sent events");
            String prompt = "a watercolor painting of a (lighthouse:1.3) at dusk, highly detailed";
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Map<String, Object> job = new LinkedHashMap<>();
                job.put("prompt", i == 0 ? prompt : "a red fox in the snow, [people]");
                job.put("negative_prompt", "blurry, lowres");
                job.put("seed", 42 + i);
                job.put("sampler_name", "Euler a");
                job.put("steps", steps);
                job.put("width", size);
                job.put("height", size);
                job.put("batch_size", i == 0 ? 2 : 1);
                job.put("model", sha);
                JsonNode j = admin.submit(job);
                ids.add(j.path("id").asText());
                System.out.printf("job %s queued (%s, batch %d)%n", j.path("id").asText(), j.path("state").asText(),
                        i == 0 ? 2 : 1);
            }
            long t = System.nanoTime();
            JsonNode end = admin.follow(ids.get(0), v -> System.out.printf("  %s  %-9s step %d/%d%n",
                    ids.get(0).substring(0, 8), v.path("state").asText(), v.path("progress").path("step").asInt(),
                    v.path("progress").path("total_steps").asInt()));
            printOutputs(farm, end, System.nanoTime() - t);
            JsonNode second = admin.awaitEnd(ids.get(1), Duration.ofMinutes(30));
            printOutputs(farm, second, System.nanoTime() - t);

            step("webui API: POST " + farm.webuiUrl() + "/sdapi/v1/txt2img without credentials (a local webui script)");
            Map<String, Object> req = new LinkedHashMap<>();
            req.put("prompt", "a castle on a hill at sunrise");
            req.put("negative_prompt", "blurry");
            req.put("seed", 7);
            req.put("sampler_name", "Euler a");
            req.put("steps", steps);
            req.put("width", size);
            req.put("height", size);
            req.put("override_settings", Map.of("sd_model_checkpoint", name));
            t = System.nanoTime();
            JsonNode r = webui.post("/sdapi/v1/txt2img", req).expect(200);
            JsonNode info = FarmClient.json().readTree(r.path("info").asText());
            Path dir = farm.home().resolve("demo");
            Files.createDirectories(dir);
            for (int i = 0; i < r.path("images").size(); i++) {
                Path png = dir.resolve("webui-" + i + ".png");
                Files.write(png, Base64.getDecoder().decode(r.path("images").get(i).asText()));
                System.out.printf("image %d: %s  (%.1f s)%n", i, png, (System.nanoTime() - t) / 1e9);
            }
            System.out.println("infotext:\n  " + info.path("infotexts").get(0).asText().replace("\n", "\n  "));
        }
    }

    private static void printOutputs(LocalFarm farm, JsonNode job, long nanos) {
        System.out.printf("job %s %s after %.1f s%s%n", job.path("id").asText(), job.path("state").asText(),
                nanos / 1e9, job.path("error").isTextual() ? ": " + job.path("error").asText() : "");
        for (JsonNode out : job.path("outputs")) {
            String url = out.path("url").asText();
            System.out.printf("  #%d seed %d  %s%s  =  %s%n", out.path("index").asInt(), out.path("seed").asLong(),
                    farm.gatewayUrl(), url, farm.storeDir().resolve(url.replaceFirst("^/v1/images/", "")));
        }
        if (!"SUCCEEDED".equals(job.path("state").asText())) {
            throw new IllegalStateException("job " + job.path("id").asText() + " ended " + job.path("state").asText());
        }
    }

    private static void step(String s) {
        System.out.printf("%n\033[1m== %s\033[0m%n", s);
    }

    private static void usage() {
        System.err.println("usage: FarmDemo --model FILE [--size N] [--steps N] [--keep] [LocalFarmMain options]");
        System.exit(2);
    }
}

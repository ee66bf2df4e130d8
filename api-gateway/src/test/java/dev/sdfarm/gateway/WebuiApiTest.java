package dev.sdfarm.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sdfarm.diffusion.image.PngImage;
import dev.sdfarm.diffusion.image.PngReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Base64;
import java.util.Map;

import static dev.sdfarm.gateway.TestFarm.as;
import static dev.sdfarm.gateway.TestFarm.key;
import static dev.sdfarm.gateway.TestFarm.model;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(value = FarmTestResource.class, restrictToAnnotatedClass = false)
class WebuiApiTest {
    private static FakeWorker worker;

    @TestHTTPResource("/")
    URI base;

    @BeforeAll
    static void startWorker() {
        worker = new FakeWorker();
    }

    @AfterAll
    static void stopWorker() throws InterruptedException {
        worker.close();
    }

    /** The way webui users write clients: plain HTTP, JSON, base64-decode the images, read the PNG. */
    @Test
    void txt2imgAnswersAsWebuiDoesWithImagesAndInfo() throws Exception {
        model();
        String key = key("webui");
        String body = """
                {"prompt": "a lighthouse at dusk", "negative_prompt": "blurry", "seed": 1234, "steps": 3,
                 "width": 64, "height": 64, "batch_size": 2, "sampler_name": "Euler a", "cfg_scale": 7,
                 "styles": [], "restore_faces": false, "enable_hr": false, "send_images": true,
                 "save_images": false, "alwayson_scripts": {}, "override_settings": {"CLIP_stop_at_last_layers": 1}}
                """;
        HttpResponse<String> res = HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve(
                "/sdapi/v1/txt2img")).header("Content-Type", "application/json").header("Authorization",
                "Bearer " + key).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, res.statusCode(), res.body());
        JsonNode json = new ObjectMapper().readTree(res.body());
        assertEquals(2, json.get("images").size());
        assertEquals("a lighthouse at dusk", json.get("parameters").get("prompt").asText());
        JsonNode info = new ObjectMapper().readTree(json.get("info").asText());
        assertEquals(1234, info.get("seed").asLong());
        assertEquals(1235, info.get("all_seeds").get(1).asLong());
        assertEquals("tiny", info.get("sd_model_name").asText());
        for (int i = 0; i < 2; i++) {
            byte[] png = Base64.getDecoder().decode(json.get("images").get(i).asText());
            PngImage image = PngReader.defaults().read(png);
            assertEquals(64, image.width());
            String parameters = image.parameters().orElseThrow();
            assertEquals(info.get("infotexts").get(i).asText(), parameters);
            assertTrue(parameters.contains("Seed: " + (1234 + i)), parameters);
        }
    }

    @Test
    void unsupportedFeaturesAreRefusedByName() throws Exception {
        model();
        as(key("webui")).contentType(ContentType.JSON)
                .body(Map.of("prompt", "x", "enable_hr", true, "alwayson_scripts", Map.of("controlnet", Map.of())))
                .post("/sdapi/v1/txt2img").then().statusCode(422)
                .body("detail", containsString("enable_hr")).body("detail", containsString("controlnet"));
        as(key("webui")).contentType(ContentType.JSON).body(Map.of("prompt", "x", "no_such_field", 1))
                .post("/sdapi/v1/txt2img").then().statusCode(422).body("detail", containsString("no_such_field"));
    }

    @Test
    void listsModelsSamplersAndSchedulersAsWebui() throws Exception {
        String sha = model();
        String key = key("webui");
        as(key).get("/sdapi/v1/sd-models").then().statusCode(200)
                .body("title", hasItem("tiny.safetensors [" + sha.substring(0, 10) + "]"))
                .body("find { it.sha256 == '" + sha + "' }.model_name", equalTo("tiny"));
        as(key).get("/sdapi/v1/samplers").then().statusCode(200).body("name", hasItem("DPM++ 2M"))
                .body("find { it.name == 'Euler a' }.aliases", hasItem("k_euler_a"));
        as(key).get("/sdapi/v1/schedulers").then().statusCode(200).body("label", hasItem("Karras"));
    }

    @Test
    void optionsSelectTheCallersModel() throws Exception {
        String sha = model();
        String key = key("webui-options");
        as(key).contentType(ContentType.JSON).body(Map.of("sd_model_checkpoint", "tiny.safetensors ["
                + sha.substring(0, 10) + "]")).post("/sdapi/v1/options").then().statusCode(200);
        as(key).get("/sdapi/v1/options").then().body("sd_model_checkpoint", containsString(sha.substring(0, 10)));
        as(key).contentType(ContentType.JSON).body(Map.of("sd_model_checkpoint", "nope"))
                .post("/sdapi/v1/options").then().statusCode(422);
        as(key).contentType(ContentType.JSON).body(Map.of("sd_vae", "x")).post("/sdapi/v1/options")
                .then().statusCode(422).body("detail", containsString("sd_vae"));
    }

    @Test
    void pngInfoReadsTheParameters() throws Exception {
        byte[] png = dev.sdfarm.diffusion.image.PngWriter.defaults().encode(
                dev.sdfarm.diffusion.image.Raster.fromSignedUnit(new float[3 * 8 * 8], 8, 8),
                java.util.List.of(dev.sdfarm.diffusion.image.PngText.of("parameters",
                        "a cat\nNegative prompt: dog\nSteps: 20, Sampler: Euler a, Seed: 5")));
        as(key("webui")).contentType(ContentType.JSON)
                .body(Map.of("image", "data:image/png;base64," + Base64.getEncoder().encodeToString(png)))
                .post("/sdapi/v1/png-info").then().statusCode(200)
                .body("info", containsString("Steps: 20")).body("parameters.Prompt", equalTo("a cat"))
                .body("parameters.Seed", equalTo("5"));
        as(key("webui")).contentType(ContentType.JSON).body(Map.of("image", "bm90IGEgcG5n"))
                .post("/sdapi/v1/png-info").then().statusCode(400);
    }
}

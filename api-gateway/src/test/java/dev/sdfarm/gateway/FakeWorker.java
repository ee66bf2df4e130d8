package dev.sdfarm.gateway;

import dev.sdfarm.core.Topics;
import dev.sdfarm.core.message.GenerationRequest;
import dev.sdfarm.core.message.JobEvent;
import dev.sdfarm.core.message.Messages;
import dev.sdfarm.core.message.OutputImage;
import dev.sdfarm.core.store.FileObjectStore;
import dev.sdfarm.diffusion.image.PngText;
import dev.sdfarm.diffusion.image.PngWriter;
import dev.sdfarm.diffusion.image.Raster;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Stands in for a worker in the gateway's own tests: takes requests from Kafka, writes a flat PNG with a
 * webui-style infotext per image to the store, and reports the job as a worker does. (The real worker is
 * tested against the real gateway in the end-to-end tests.)
 */
final class FakeWorker implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer = TestFarm.consumer(Topics.GENERATION_INTERACTIVE);
    private final Thread thread;
    private volatile boolean running = true;

    FakeWorker() {
        thread = Thread.ofPlatform().name("fake-worker").start(this::run);
    }

    static String infotext(GenerationRequest r, long seed) {
        var p = r.params();
        return p.prompt() + "\nNegative prompt: " + p.negativePrompt() + "\nSteps: " + p.steps() + ", Sampler: "
                + p.samplerName() + ", Schedule type: " + p.scheduler() + ", CFG scale: " + p.cfgScale()
                + ", Seed: " + seed + ", Size: " + p.width() + "x" + p.height() + ", Model: " + r.model().name();
    }

    /** Writes the request's images (flat PNGs with their infotext) to the store, as a worker would. */
    static List<OutputImage> render(FileObjectStore store, GenerationRequest r) throws Exception {
        var p = r.params();
        List<OutputImage> outs = new ArrayList<>();
        for (int i = 0; i < p.imageCount(); i++) {
            long seed = p.seed() + i;
            float[] chw = gradient(seed, p.width(), p.height());
            String text = infotext(r, seed);
            byte[] png = PngWriter.defaults().encode(Raster.fromSignedUnit(chw, p.height(), p.width()),
                    List.of(PngText.of("parameters", text)));
            String key = r.outputPrefix() + i + ".png";
            store.put(key, png);
            outs.add(new OutputImage(i, key, seed, text, p.width(), p.height(), png.length, "00"));
        }
        return outs;
    }

    /** A vertical gradient whose colour depends on the seed, so that different seeds look different. */
    private static float[] gradient(long seed, int width, int height) {
        float[] chw = new float[3 * width * height];
        for (int c = 0; c < 3; c++) {
            float base = Math.floorMod(seed * (c + 3), 11) / 11f * 1.2f - 0.6f;
            for (int y = 0; y < height; y++) {
                float v = base + (y / (float) height - 0.5f) * 0.8f;
                java.util.Arrays.fill(chw, c * width * height + y * width, c * width * height + (y + 1) * width, v);
            }
        }
        return chw;
    }

    private void run() {
        try (consumer) {
            FileObjectStore store = new FileObjectStore(FarmTestResource.storeRoot);
            while (running) {
                for (ConsumerRecord<String, byte[]> rec : consumer.poll(Duration.ofMillis(100))) {
                    GenerationRequest r = Messages.fromJson(rec.value(), GenerationRequest.class);
                    var p = r.params();
                    TestFarm.emit(JobEvent.started(r.jobId(), "fake", p.totalSteps(), Instant.now()));
                    List<OutputImage> outs = render(store, r);
                    TestFarm.emit(JobEvent.succeeded(r.jobId(), "fake", p.totalSteps(), outs, Instant.now()));
                }
            }
        } catch (Exception e) {
            if (running) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(5000);
    }
}

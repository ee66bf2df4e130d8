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

    private void run() {
        try (consumer) {
            FileObjectStore store = new FileObjectStore(FarmTestResource.storeRoot);
            while (running) {
                for (ConsumerRecord<String, byte[]> rec : consumer.poll(Duration.ofMillis(100))) {
                    GenerationRequest r = Messages.fromJson(rec.value(), GenerationRequest.class);
                    var p = r.params();
                    TestFarm.emit(JobEvent.started(r.jobId(), "fake", p.totalSteps(), Instant.now()));
                    List<OutputImage> outs = new ArrayList<>();
                    for (int i = 0; i < p.imageCount(); i++) {
                        long seed = p.seed() + i;
                        float[] chw = new float[3 * p.width() * p.height()];
                        java.util.Arrays.fill(chw, (seed % 7) / 7f);
                        String text = infotext(r, seed);
                        byte[] png = PngWriter.defaults().encode(Raster.fromSignedUnit(chw, p.height(), p.width()),
                                List.of(PngText.of("parameters", text)));
                        String key = r.outputPrefix() + i + ".png";
                        store.put(key, png);
                        outs.add(new OutputImage(i, key, seed, text, p.width(), p.height(), png.length, "00"));
                    }
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

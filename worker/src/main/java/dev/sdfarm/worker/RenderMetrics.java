package dev.sdfarm.worker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;

/**
 * The worker's Prometheus metrics ({@code /q/metrics}): time per sampling step, jobs per batch, jobs by outcome,
 * images made, and the model cache (hits, misses, evictions, resident bytes and models).
 */
final class RenderMetrics {
    private final MeterRegistry registry;
    private final Timer step;
    private final Counter images;
    private final DistributionSummary batch;

    RenderMetrics(MeterRegistry registry, ModelCache cache) {
        this.registry = registry;
        this.step = Timer.builder("sdfarm.worker.step").description("Wall time of one sampling step")
                .publishPercentiles(0.5, 0.99).register(registry);
        this.batch = DistributionSummary.builder("sdfarm.worker.batch.jobs")
                .description("Jobs sampled together in one batch").register(registry);
        this.images = Counter.builder("sdfarm.worker.images").description("Images rendered and stored")
                .register(registry);
        for (String counter : new String[] {"hits", "misses", "evictions"}) {
            Gauge.builder("sdfarm.worker.model.cache." + counter, cache, c -> c.counters().get(counter))
                    .description("Model cache " + counter + " since start").register(registry);
        }
        Gauge.builder("sdfarm.worker.model.resident.bytes", cache, ModelCache::residentBytes)
                .description("Bytes of model files held resident").baseUnit("bytes").register(registry);
        Gauge.builder("sdfarm.worker.model.resident.count", cache, c -> c.residentModels().size())
                .description("Models held resident").register(registry);
    }

    void step(long nanos) {
        step.record(Duration.ofNanos(nanos));
    }

    void batch(int jobs) {
        batch.record(jobs);
    }

    void finished(String outcome, int imageCount) {
        Counter.builder("sdfarm.worker.jobs").tag("outcome", outcome).description("Jobs ended, by outcome")
                .register(registry).increment();
        images.increment(imageCount);
    }
}

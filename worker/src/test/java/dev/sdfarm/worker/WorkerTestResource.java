package dev.sdfarm.worker;

import dev.sdfarm.checkpoint.CheckpointFormat;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.anatomy.ArchitecturePreset;
import dev.sdfarm.checkpoint.io.FileHashing;
import dev.sdfarm.checkpoint.slim.Progress;
import dev.sdfarm.checkpoint.synth.Synthesizer;
import dev.sdfarm.local.KafkaTestBroker;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A worker's surroundings: an in-process KRaft broker and a file store holding the tiny model. */
public class WorkerTestResource implements QuarkusTestResourceLifecycleManager {
    static final String MODEL_KEY = "models/tiny.safetensors";
    static volatile String bootstrapServers;
    static volatile Path storeRoot;
    static volatile String modelSha256;

    private KafkaTestBroker kafka;

    @Override
    public Map<String, String> start() {
        try {
            kafka = KafkaTestBroker.start();
            bootstrapServers = kafka.bootstrapServers();
            storeRoot = Files.createTempDirectory("sdfarm-worker-store");
            Path model = storeRoot.resolve(MODEL_KEY);
            Files.createDirectories(model.getParent());
            Synthesizer.write(model, new Synthesizer.Options(ArchitecturePreset.TINY_SD1, CheckpointFormat.SAFETENSORS,
                    DType.F32, false, false, 7), true, Progress.NONE);
            try (FileChannel ch = FileChannel.open(model)) {
                modelSha256 = FileHashing.sha256Hex(ch, 0, ch.size(), n -> { });
            }
            return Map.of(
                    "kafka.bootstrap.servers", bootstrapServers,
                    "sdfarm.store.location", storeRoot.toString(),
                    "sdfarm.worker.cache-dir", Files.createTempDirectory("sdfarm-worker-cache").toString(),
                    "sdfarm.worker.id", "test-worker",
                    "sdfarm.worker.max-attempts", "2",
                    "sdfarm.worker.progress-interval-ms", "0",
                    "quarkus.http.test-port", "0");
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the worker's test infrastructure: " + e.getMessage(), e);
        }
    }

    @Override
    public void stop() {
        try {
            if (kafka != null) {
                kafka.close();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

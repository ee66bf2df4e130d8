package dev.sdfarm.local;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class KafkaTestBrokerTest {

    @Test
    void inProcessBrokerDeliversToAConsumerGroup() throws Exception {
        try (KafkaTestBroker broker = KafkaTestBroker.start()) {
            Clients.produce(broker.bootstrapServers(), "requests", List.of("a", "b"));
            // A consumer group needs __consumer_offsets, which exists only with replication factor 1 here.
            assertEquals(List.of("a", "b"),
                    Clients.consume(broker.bootstrapServers(), "requests", "g", 2, Duration.ofSeconds(30)));
        }
    }
}

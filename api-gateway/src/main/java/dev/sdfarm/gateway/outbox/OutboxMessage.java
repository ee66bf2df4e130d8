package dev.sdfarm.gateway.outbox;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A Kafka record waiting to be published, written in the transaction that made it true. */
@Entity
@Table(name = "outbox")
public class OutboxMessage extends PanacheEntityBase {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;
    public String topic;
    @Column(name = "msg_key")
    public String key;
    public byte[] payload;
    @Column(name = "created_at")
    public Instant createdAt;

    public static OutboxMessage of(String topic, String key, byte[] payload, Instant now) {
        OutboxMessage m = new OutboxMessage();
        m.topic = topic;
        m.key = key;
        m.payload = payload;
        m.createdAt = now;
        return m;
    }
}

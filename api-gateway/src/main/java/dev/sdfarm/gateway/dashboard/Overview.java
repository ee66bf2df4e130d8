package dev.sdfarm.gateway.dashboard;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The farm at a glance ({@code GET /v1/dashboard/overview}, each event of the dashboard stream). Values read
 * from the metrics gauges are as old as their last refresh and null when it failed.
 *
 * @param at              when this was put together
 * @param queued          queued jobs by priority (interactive, batch), counted now
 * @param lag             requests not yet taken by the workers' consumer group, by request topic
 * @param active          active jobs by state (QUEUED, RUNNING), all tenants
 * @param outboxBacklog   outbox rows not yet published to Kafka
 * @param webhooksPending webhook deliveries not yet delivered nor given up
 * @param minutes         the last hour, one entry per minute, oldest first
 */
public record Overview(
        @JsonProperty("at") Instant at,
        @JsonProperty("queued") Map<String, Long> queued,
        @JsonProperty("lag") Map<String, Long> lag,
        @JsonProperty("active") Map<String, Long> active,
        @JsonProperty("outbox_backlog") Long outboxBacklog,
        @JsonProperty("webhooks_pending") Long webhooksPending,
        @JsonProperty("minutes") List<Minute> minutes) {

    /**
     * Jobs that finished in one minute.
     *
     * @param start          the minute's start
     * @param secondsPerStep mean of (finished_at - started_at) / total_steps over the minute's jobs that had
     *                       started; null when none had
     */
    public record Minute(
            @JsonProperty("start") Instant start,
            @JsonProperty("succeeded") long succeeded,
            @JsonProperty("failed") long failed,
            @JsonProperty("cancelled") long cancelled,
            @JsonProperty("seconds_per_step") Double secondsPerStep) {
    }
}

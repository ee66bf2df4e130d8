/**
 * The farm's front door. Packages by role: {@code job} (native job API, validation, the job row, SSE updates),
 * {@code a1111} (webui's {@code /sdapi/v1}), {@code outbox} (job row and Kafka message in one transaction; the
 * relay), {@code events} (job events applied once, by sequence number), {@code auth} (tenants, API keys,
 * roles), {@code model} (the registry), {@code conversion} (slimming checkpoints of the store through a
 * {@code JobLauncher}: child processes or Kubernetes Jobs), {@code image} (images served to their owner),
 * {@code worker} (the workers from their heartbeats and pods), {@code metrics}, {@code store} and {@code problem}
 * (RFC 7807 bodies for every error).
 */
package dev.sdfarm.gateway;

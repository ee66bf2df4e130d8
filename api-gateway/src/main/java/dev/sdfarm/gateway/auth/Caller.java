package dev.sdfarm.gateway.auth;

/** Who is calling: a tenant, through one of its keys (or the loopback default), with a role. */
public record Caller(String tenantId, String keyId, Role role) {
}

package dev.sdfarm.gateway.auth;

/** What a key may do; each role includes the ones before it. */
public enum Role {
    /** Submit, follow and cancel its tenant's jobs; read models. */
    SUBMITTER,
    /** Also: register models, see workers and every tenant's queue on the dashboard. */
    OPERATOR,
    /** Also: create tenants and keys. */
    ADMIN;

    public boolean includes(Role other) {
        return compareTo(other) >= 0;
    }
}

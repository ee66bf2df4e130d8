package dev.sdfarm.gateway.auth;

import dev.sdfarm.gateway.problem.ProblemException;
import jakarta.enterprise.context.RequestScoped;

/** The caller of the request being served, set by {@link AuthenticationFilter}. */
@RequestScoped
public class CurrentCaller {
    private Caller caller;

    void set(Caller c) {
        this.caller = c;
    }

    /** The caller, who must hold at least {@code role}. */
    public Caller require(Role role) {
        if (caller == null) {
            throw ProblemException.unauthorized("this endpoint needs an API key");
        }
        if (!caller.role().includes(role)) {
            throw ProblemException.forbidden("this needs the " + role.name().toLowerCase() + " role; the key has "
                    + caller.role().name().toLowerCase());
        }
        return caller;
    }
}

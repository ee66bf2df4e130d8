package dev.sdfarm.gateway.problem;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * An RFC 7807 problem body ({@code application/problem+json}): what went wrong ({@code title}), for this
 * request ({@code detail}), and where, for validation errors ({@code errors}: one per bad field).
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(String type, String title, int status, String detail, String instance,
                      List<FieldError> errors) {
    public static final String MEDIA_TYPE = "application/problem+json";

    /** One invalid field: its name as the client sent it, and what is wrong with it. */
    public record FieldError(String field, String message) {
    }
}

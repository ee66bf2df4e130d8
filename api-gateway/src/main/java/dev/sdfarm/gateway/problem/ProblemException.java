package dev.sdfarm.gateway.problem;

import java.time.Duration;
import java.util.List;

/** Ends a request with a problem response. {@code retryAfter} becomes a Retry-After header (429, 503). */
public class ProblemException extends RuntimeException {
    private final int status;
    private final String type;
    private final String title;
    private final List<Problem.FieldError> errors;
    private final Duration retryAfter;

    public ProblemException(int status, String type, String title, String detail, List<Problem.FieldError> errors,
                            Duration retryAfter) {
        super(detail, null, false, false);
        this.status = status;
        this.type = type;
        this.title = title;
        this.errors = errors == null ? List.of() : List.copyOf(errors);
        this.retryAfter = retryAfter;
    }

    public static ProblemException badRequest(String detail) {
        return new ProblemException(400, "bad-request", "Bad request", detail, null, null);
    }

    public static ProblemException invalid(List<Problem.FieldError> errors) {
        String detail = errors.size() == 1 ? errors.getFirst().field() + ": " + errors.getFirst().message()
                : errors.size() + " fields are invalid";
        return new ProblemException(422, "validation", "Invalid request", detail, errors, null);
    }

    public static ProblemException unsupported(String detail) {
        return new ProblemException(422, "unsupported", "Unsupported request", detail, null, null);
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(404, "not-found", "Not found", detail, null, null);
    }

    public static ProblemException conflict(String detail) {
        return new ProblemException(409, "conflict", "Conflict", detail, null, null);
    }

    public static ProblemException unauthorized(String detail) {
        return new ProblemException(401, "unauthorized", "Unauthorized", detail, null, null);
    }

    public static ProblemException forbidden(String detail) {
        return new ProblemException(403, "forbidden", "Forbidden", detail, null, null);
    }

    public static ProblemException tooMany(String type, String detail, Duration retryAfter) {
        return new ProblemException(429, type, "Too many requests", detail, null, retryAfter);
    }

    public int status() {
        return status;
    }

    public Duration retryAfter() {
        return retryAfter;
    }

    public Problem toProblem(String instance) {
        return new Problem("https://sdfarm.dev/problems/" + type, title, status, getMessage(), instance, errors);
    }
}

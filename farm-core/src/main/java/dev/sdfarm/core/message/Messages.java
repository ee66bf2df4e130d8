package dev.sdfarm.core.message;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The JSON form of the farm's messages. Every message carries {@code "v"}, its major version: a reader refuses
 * versions it does not know (the message goes to the dead-letter topic) and ignores fields it does not know,
 * so fields can be added without a version bump.
 */
public final class Messages {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private Messages() {
    }

    public static byte[] toJson(Object message) {
        try {
            return MAPPER.writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + message.getClass().getSimpleName() + " as JSON", e);
        }
    }

    public static String toJsonString(Object message) {
        return new String(toJson(message), StandardCharsets.UTF_8);
    }

    /** Reads a {@code type} message; a clear {@link MessageFormatException} for anything malformed. */
    public static <T> T fromJson(byte[] json, Class<T> type) {
        if (json == null) {
            throw new MessageFormatException("empty " + type.getSimpleName() + " message (null value)");
        }
        try {
            return MAPPER.readValue(json, type);
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new MessageFormatException(cause.getMessage(), e);
        } catch (JsonMappingException e) {
            String field = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName()
                    : String.valueOf(r.getIndex())).collect(Collectors.joining("."));
            throw new MessageFormatException("malformed " + type.getSimpleName() + " message"
                    + (field.isEmpty() ? "" : " at \"" + field + "\"") + ": " + e.getOriginalMessage(), e);
        } catch (JsonProcessingException e) {
            throw new MessageFormatException("malformed " + type.getSimpleName() + " message: "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new MessageFormatException("unreadable " + type.getSimpleName() + " message: " + e.getMessage(), e);
        }
    }

    /** Reads a JSON array of {@code type} messages. */
    public static <T> List<T> listFromJson(byte[] json, Class<T> type) {
        try {
            return MAPPER.readValue(json, MAPPER.getTypeFactory().constructCollectionType(List.class, type));
        } catch (IOException e) {
            throw new MessageFormatException("malformed list of " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /** {@code value}, or a {@link MessageFormatException} naming the missing field. */
    static <T> T required(String what, String field, T value) {
        if (value == null) {
            throw new MessageFormatException(what + " has no \"" + field + "\"");
        }
        return value;
    }

    static void requireVersion(String what, int version, int known) {
        if (version != known) {
            throw new MessageFormatException(what + " has version " + version + "; this build reads version "
                    + known + " (upgrade the consumer, or send it to the dead-letter topic)");
        }
    }
}

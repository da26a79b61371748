package dev.certpilot.tomcat;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The attributes of the {@link CertpilotListener}'s element, read with messages that name the attribute, what was
 * wrong and what to write instead. Not thread-safe; used once, while Tomcat initializes.
 */
final class ListenerSettings {

    /** Reads one attribute's text; may throw IllegalArgumentException with the reason. */
    @FunctionalInterface
    interface Reader<T> {
        T read(String value);
    }

    private final Map<String, String> attributes;
    private final String element;

    ListenerSettings(Map<String, String> attributes, Set<String> known, String element) {
        this.attributes = attributes;
        this.element = element;
        for (var name : attributes.keySet()) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException(element + ": unknown attribute " + name + "; the attributes are "
                        + known.stream().sorted().toList());
            }
        }
    }

    /** The attribute {@code name} read, or {@code fallback} read when it is absent (required when that is null). */
    <T> T value(String name, String fallback, String expected, Reader<T> reader) {
        var value = attributes.getOrDefault(name, fallback);
        if (value == null || value.isBlank()) {
            throw wrong(name, "is missing", "set it to " + expected);
        }
        try {
            return reader.read(value.trim());
        } catch (IllegalArgumentException e) {
            throw wrong(name, "is '" + value + "'" + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"),
                    "set it to " + expected);
        }
    }

    /** The attribute {@code name} read, or null when it is absent. */
    <T> T optional(String name, String expected, Reader<T> reader) {
        return attributes.containsKey(name) ? value(name, null, expected, reader) : null;
    }

    IllegalArgumentException wrong(String name, String problem, String fix) {
        return new IllegalArgumentException(element + ": attribute " + name + " " + problem + "; " + fix);
    }

    static List<String> names(String value) {
        var names = Arrays.stream(value.split("[\\s,]+")).filter(name -> !name.isEmpty()).toList();
        if (names.isEmpty()) {
            throw new IllegalArgumentException("no name");
        }
        return names;
    }

    static boolean bool(String value) {
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("neither true nor false");
        };
    }

    static int port(String value) {
        var port = Integer.parseInt(value);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("not a port");
        }
        return port;
    }
}

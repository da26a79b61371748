package dev.certpilot.servlet;

import java.util.Locale;

import jakarta.servlet.http.HttpServletRequest;

/**
 * The scheme a proxy says the client used: the first hop's {@code proto} in {@code Forwarded} (RFC 7239), else
 * the first value of {@code X-Forwarded-Proto}. Only consulted when the filter is told to trust them.
 */
final class ForwardedProto {

    private ForwardedProto() {
    }

    /** The scheme in lower case, or null when neither header names one. */
    static String of(HttpServletRequest request) {
        var forwarded = request.getHeader("Forwarded");
        if (forwarded != null) {
            var firstHop = forwarded.split(",", 2)[0];
            for (var pair : firstHop.split(";")) {
                var equals = pair.indexOf('=');
                if (equals > 0 && pair.substring(0, equals).trim().equalsIgnoreCase("proto")) {
                    return scheme(pair.substring(equals + 1).trim().replace("\"", ""));
                }
            }
        }
        var header = request.getHeader("X-Forwarded-Proto");
        return header == null ? null : scheme(header.split(",", 2)[0].trim());
    }

    private static String scheme(String value) {
        return value.isEmpty() ? null : value.toLowerCase(Locale.ROOT);
    }
}

package dev.certpilot.core;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where to send a plain-HTTP request on HTTPS: the same host, path and query, on the HTTPS port. Shared by the
 * servlet filter and the Jetty handler. Stateless.
 */
public final class HttpsRedirect {

    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}]");

    private HttpsRedirect() {
    }

    /**
     * The {@code Location} for a request to {@code host} with the raw (still encoded) {@code path} and
     * {@code query}; the port is left out when it is 443.
     *
     * @return the URL, or empty when the host is missing or malformed (answer 400, never redirect to it)
     */
    public static Optional<String> location(String host, int httpsPort, String rawPath, String query) {
        if (host == null || !HOST.matcher(host).matches()) {
            return Optional.empty();
        }
        var location = new StringBuilder("https://").append(host);
        if (httpsPort != 443) {
            location.append(':').append(httpsPort);
        }
        location.append(rawPath);
        if (query != null) {
            location.append('?').append(query);
        }
        return Optional.of(location.toString());
    }
}

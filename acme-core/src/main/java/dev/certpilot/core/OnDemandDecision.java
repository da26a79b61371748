package dev.certpilot.core;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeoutException;

import dev.certpilot.core.internal.base.BoundedExchange;

/**
 * Whether a certificate may be obtained on demand for a name that a TLS client asked for and no managed certificate
 * covers. Without it, anyone could make the server order certificates for any name pointed at it. Called at most
 * once at a time per name, off the handshake's thread; it may block (the handshake waits, within the on-demand
 * timeout). Implementations must be thread-safe.
 *
 * <pre>{@code
 * OnDemandDecision.suffixes(".customers.example.net")
 *         .or(OnDemandDecision.ask(URI.create("http://localhost:8081/allowed")))
 *         .or(name -> customers.hasDomain(name))
 * }</pre>
 */
@FunctionalInterface
public interface OnDemandDecision {

    /**
     * Whether {@code name} (lower-case ASCII, a valid DNS name, never a wildcard or an IP address) may have a
     * certificate.
     *
     * @param name the name a handshake asks for
     * @return false to deny
     * @throws Exception when it cannot tell: a handshake is then denied (fail closed), while the renewal of a
     * certificate it allowed before goes ahead
     */
    boolean allows(String name) throws Exception;

    /**
     * Allows when this one or {@code other} allows; {@code other} is asked only if this one does not allow.
     *
     * @param other the decision asked next
     * @return the combined decision
     */
    default OnDemandDecision or(OnDemandDecision other) {
        Objects.requireNonNull(other, "other");
        return name -> {
            Exception failure = null;
            try {
                if (allows(name)) {
                    return true;
                }
            } catch (Exception e) {
                failure = e;
            }
            if (other.allows(name)) {
                return true;
            }
            if (failure != null) {
                throw failure;
            }
            return false;
        };
    }

    /**
     * Allows exactly {@code names}.
     *
     * @param names the names to allow
     * @return the decision
     */
    static OnDemandDecision names(String... names) {
        var allowed = Set.copyOf(List.of(names).stream().map(ManagedCertificate::normalize).toList());
        return allowed::contains;
    }

    /**
     * Allows the names under any of {@code suffixes}, each a domain with a leading dot, such as
     * {@code .customers.example.net}: it allows {@code shop.customers.example.net} and
     * {@code a.b.customers.example.net}, not {@code customers.example.net} itself.
     *
     * @param suffixes the suffixes, each with a leading dot
     * @return the decision
     * @throws IllegalArgumentException if a suffix does not start with a dot or is not a valid domain after it
     */
    static OnDemandDecision suffixes(String... suffixes) {
        var allowed = List.of(suffixes).stream().map(suffix -> {
            if (!suffix.startsWith(".")) {
                throw new IllegalArgumentException("On-demand suffix '" + suffix + "' must start with a dot, as in "
                        + ".customers.example.net");
            }
            return "." + ManagedCertificate.normalize(suffix.substring(1));
        }).toList();
        return name -> allowed.stream().anyMatch(name::endsWith);
    }

    /**
     * Asks {@code endpoint} over HTTP, as Caddy's on-demand "ask" does: {@code GET endpoint?domain=<name>}; a 200
     * allows, any other 2xx or 4xx denies, and anything else (no status within 5 seconds, a redirect, a 5xx) is
     * "cannot tell", which denies a handshake. Only the status is read: the body is never waited for, so an endpoint
     * that trickles or floods a body holds nothing, and the whole exchange ends within the 5 seconds. Keep the
     * endpoint fast and local: it is asked once per new name.
     *
     * @param endpoint the endpoint's URL
     * @return the decision
     * @throws IllegalArgumentException if {@code endpoint} is not an absolute http or https URI
     */
    static OnDemandDecision ask(URI endpoint) {
        return ask(endpoint, Duration.ofSeconds(5));
    }

    /**
     * {@link #ask(URI)} with {@code timeout} for the whole exchange, connection included.
     *
     * @param endpoint the endpoint's URL
     * @param timeout the longest exchange
     * @return the decision
     * @throws IllegalArgumentException if {@code endpoint} is not an absolute http or https URI or {@code timeout}
     * is not positive
     */
    static OnDemandDecision ask(URI endpoint, Duration timeout) {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(timeout, "timeout");
        if (!endpoint.isAbsolute() || !List.of("http", "https").contains(endpoint.getScheme())
                || endpoint.getHost() == null || endpoint.getFragment() != null) {
            throw new IllegalArgumentException("The on-demand ask endpoint must be an absolute http:// or https:// URI "
                    + "without fragment, such as http://localhost:8081/allowed; got " + endpoint);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("The on-demand ask timeout must be positive, got " + timeout);
        }
        var client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
        var base = endpoint.toString() + (endpoint.getRawQuery() == null ? "?" : "&") + "domain=";
        return name -> {
            var request = HttpRequest.newBuilder(URI.create(base + URLEncoder.encode(name, StandardCharsets.UTF_8)))
                    .timeout(timeout).GET().build();
            // the status arrives with the headers; the body is closed unread, which ends the exchange
            int status;
            try {
                var response = BoundedExchange.send(client, request, HttpResponse.BodyHandlers.ofInputStream(),
                        timeout);
                response.body().close();
                status = response.statusCode();
            } catch (TimeoutException e) {
                throw new IOException("The on-demand ask endpoint " + endpoint + " gave no status within " + timeout);
            } catch (IOException e) {
                throw new IOException("The on-demand ask endpoint " + endpoint + " failed: " + e.getMessage(), e);
            }
            if (status == 200) {
                return true;
            }
            if (status >= 200 && status < 300 || status >= 400 && status < 500) {
                return false;
            }
            throw new IOException("The on-demand ask endpoint " + endpoint + " answered HTTP " + status);
        };
    }
}

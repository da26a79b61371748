package dev.certpilot.core;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.certpilot.core.spi.Http01Responder;

/**
 * Keeps pending HTTP-01 challenges in memory for an HTTP server to answer: the manager deploys them, and the
 * server (the servlet filter, the Jetty binding, or any other) asks {@link #keyAuthorization(String, String)}
 * for each request to {@code /.well-known/acme-challenge/<token>}. Nothing touches the file system.
 *
 * <p>Thread-safe; lookups are a single concurrent-map read.
 */
public final class InMemoryHttp01Responder implements Http01Responder {

    private final Map<Key, String> pending = new ConcurrentHashMap<>();

    /** Creates an empty responder. */
    public InMemoryHttp01Responder() {
    }

    @Override
    public void deploy(String domain, String token, String keyAuthorization) {
        Objects.requireNonNull(keyAuthorization, "keyAuthorization");
        pending.put(new Key(domain, token), keyAuthorization);
    }

    @Override
    public void remove(String domain, String token) {
        pending.remove(new Key(domain, token));
    }

    /**
     * The key authorization to answer for {@code token} on {@code host}, if that challenge is pending.
     *
     * @param host  the request's host name, without port; compared case-insensitively
     * @param token the last path segment of the request
     * @return the body to send as {@code text/plain}, or empty (answer 404)
     */
    public Optional<String> keyAuthorization(String host, String token) {
        if (host == null || token == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(pending.get(new Key(host, token)));
    }

    /** The number of challenges pending now. */
    public int pendingCount() {
        return pending.size();
    }

    @Override
    public String toString() {
        return "InMemoryHttp01Responder[" + pending.size() + " pending]";
    }

    private record Key(String host, String token) {
        Key {
            host = host.toLowerCase(Locale.ROOT);
            Objects.requireNonNull(token, "token");
        }
    }
}

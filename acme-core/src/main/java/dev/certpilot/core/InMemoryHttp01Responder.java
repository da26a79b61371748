package dev.certpilot.core;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import dev.certpilot.core.spi.Http01Responder;
import dev.certpilot.core.spi.SharedAnswers;
import dev.certpilot.core.spi.SharingResponder;

/**
 * Keeps pending HTTP-01 challenges in memory for an HTTP server to answer: the manager deploys them, and the
 * server (the servlet filter, the Jetty binding, or any other) asks {@link #keyAuthorization(String, String)}
 * for each request to {@code /.well-known/acme-challenge/<token>}. Given to a manager, it also answers challenges
 * that other instances sharing the manager's store published there (a cluster behind a load balancer, where the
 * CA's request reaches any instance): only for the manager's domains, from a short-lived cache when it can.
 *
 * <p>Thread-safe; a lookup of a challenge this instance deployed is a single concurrent-map read.
 */
public final class InMemoryHttp01Responder implements Http01Responder, SharingResponder {

    /** The path prefix of HTTP-01 challenges (RFC 8555, section 8.3); the token follows it. */
    public static final String CHALLENGE_PATH = "/.well-known/acme-challenge/";

    /** The longest token a server should look up; ACME tokens are 43 characters. */
    public static final int MAX_TOKEN_LENGTH = 256;

    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{1," + MAX_TOKEN_LENGTH + "}");

    private final Map<Key, String> pending = new ConcurrentHashMap<>();
    private volatile SharedAnswers shared;

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
        var local = pending.get(new Key(host, token));
        var others = shared;
        return local != null || others == null ? Optional.ofNullable(local) : others.http01(host, token);
    }

    /** Answers also what other instances sharing the manager's store published; null stops that. */
    @Override
    public void serveShared(SharedAnswers answers) {
        this.shared = answers;
    }

    /**
     * Whether {@code token} is 1 to {@value #MAX_TOKEN_LENGTH} base64url characters. Servers check it on the raw
     * request path before any lookup, and answer 400 otherwise: no dot segment, encoded character or slash.
     *
     * @param token a token from a request path
     * @return whether it is well formed
     */
    public static boolean isWellFormedToken(String token) {
        return token != null && TOKEN.matcher(token).matches();
    }

    /**
     * Whether a raw request path that is not literally under {@link #CHALLENGE_PATH} still names the challenge
     * directory (dot segments, encoded slashes or letters, other case). Servers refuse such requests with 400
     * rather than pass them to an application that may normalize them into the challenge directory.
     *
     * @param rawPath a request path as received
     * @return whether it names the challenge directory in disguise
     */
    public static boolean isDisguisedChallengePath(String rawPath) {
        if (rawPath == null || rawPath.startsWith(CHALLENGE_PATH)) {
            return false;
        }
        var lower = rawPath.toLowerCase(Locale.ROOT);
        if (lower.contains("acme-challenge")) {
            return true;
        }
        if (lower.indexOf('%') < 0) {
            return false;
        }
        try {
            return URLDecoder.decode(lower, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT).contains("acme-challenge");
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * The number of challenges pending now.
     *
     * @return the pending challenges
     */
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

package dev.certpilot.core;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.IntSupplier;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import dev.certpilot.core.internal.base.IpAddresses;

/**
 * What happens to a request before the application sees it, decided once for every server adapter (the servlet
 * filter, the Jetty handler, yours): answer an HTTP-01 challenge, refuse a malformed or disguised one, redirect
 * plain HTTP to HTTPS, or pass it on, with HSTS over HTTPS. A pure function of method, Host, raw path, query and
 * scheme; an adapter only translates its request into a {@link Request} and the {@link Decision} into a response.
 *
 * <p>In order:
 * <ol>
 *   <li>A target that is not a path ({@code OPTIONS *}) over plain HTTP: 200 with {@code Allow} for
 *       {@code OPTIONS}, else 400. Over HTTPS it passes.</li>
 *   <li>{@code /.well-known/acme-challenge/{token}}, when a responder is set: 405 for methods other than GET and
 *       HEAD, 400 for a token that is not 1 to 256 base64url characters or a missing Host, 404 when no challenge is
 *       pending for that host and token, else 200 with the key authorization as {@code text/plain}.</li>
 *   <li>Any other path that names the challenge directory (dot segments, encoded characters, other case): 400,
 *       so that no application normalizes it into the challenge directory.</li>
 *   <li>HTTPS (the connection's, or the proxy's when forwarded headers are trusted): passes, with HSTS.</li>
 *   <li>Plain HTTP with a redirect port: 400 without a well-formed Host (a redirect would name this server's own
 *       address), 421 Misdirected Request for a host this server does not serve (it is not authoritative for it:
 *       a redirect would send the client to a certificate that cannot match, and a 404 would claim to speak for
 *       that host), else the redirect (308 by default, keeping method and body) to the same host, path and
 *       query on the HTTPS port.</li>
 *   <li>Otherwise it passes.</li>
 * </ol>
 * Immutable and thread-safe; {@link #decide} does no I/O.
 */
public final class HttpFrontDoor {

    /** The path prefix of HTTP-01 challenges (RFC 8555, section 8.3). */
    public static final String CHALLENGE_PATH = InMemoryHttp01Responder.CHALLENGE_PATH;

    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}]");

    private final InMemoryHttp01Responder responder;
    private final IntSupplier redirectPort;
    private final int redirectStatus;
    private final String hsts;
    private final boolean trustForwardedHeaders;
    private final Predicate<String> servedHosts;

    private HttpFrontDoor(Builder builder) {
        this.responder = builder.responder;
        this.redirectPort = builder.redirectPort;
        this.redirectStatus = builder.redirectStatus;
        this.hsts = builder.hsts == null ? null : builder.hsts.headerValue();
        this.trustForwardedHeaders = builder.trustForwardedHeaders;
        this.servedHosts = builder.servedHosts;
    }

    /**
     * Starts configuring a front door that answers challenges from {@code responder}, or none when null.
     *
     * @param responder the challenges to answer, or null
     * @return a new builder
     */
    public static Builder builder(InMemoryHttp01Responder responder) {
        return new Builder(responder);
    }

    /**
     * A request as the adapter received it.
     *
     * @param method         the method, such as {@code GET}
     * @param host           the {@code Host} header as sent (port included), or null when there was none
     * @param rawPath        the request target's path, still percent-encoded, or {@code *}
     * @param query          the raw query, or null
     * @param secure         whether the connection itself is TLS
     * @param forwarded      the {@code Forwarded} header, or null
     * @param forwardedProto the {@code X-Forwarded-Proto} header, or null
     */
    public record Request(String method, String host, String rawPath, String query, boolean secure, String forwarded,
                          String forwardedProto) {

        /**
         * @param method the request's method
         * @param host the {@code Host} header, or null
         * @param rawPath the path as received, not decoded
         * @param query the query as received, or null
         * @param secure whether the connection is TLS
         * @param forwarded the {@code Forwarded} header, or null
         * @param forwardedProto the {@code X-Forwarded-Proto} header, or null
         * @throws NullPointerException if method or rawPath is null
         */
        public Request {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(rawPath, "rawPath");
        }
    }

    /** A response header. */
    public record Header(String name, String value) {
    }

    /**
     * What to do with a request.
     *
     * @param pass    true: hand the request to the application, adding {@code headers} to its response; false:
     *                answer with {@code status}, {@code headers} and {@code body} (no body to HEAD)
     * @param status  the status to answer, 0 when passing
     * @param headers headers to set
     * @param body    the body to answer as {@code text/plain; charset=utf-8}, empty when passing
     */
    public record Decision(boolean pass, int status, List<Header> headers, String body) {

        /**
         * The body as bytes, UTF-8.
         *
         * @return the body's bytes
         */
        public byte[] bodyBytes() {
            return body.getBytes(StandardCharsets.UTF_8);
        }

        /**
         * The value of the header {@code name}, or null.
         *
         * @param name the header's name
         * @return its value, or null
         */
        public String header(String name) {
            return headers.stream().filter(h -> h.name().equalsIgnoreCase(name)).map(Header::value).findFirst()
                    .orElse(null);
        }
    }

    /**
     * Decides what happens to {@code request}.
     *
     * @param request the request
     * @return the answer to give
     */
    public Decision decide(Request request) {
        var method = request.method();
        var path = request.rawPath();
        var secure = isSecure(request);
        if (!path.startsWith("/")) {
            if (secure) {
                return pass();
            }
            var allow = List.of(new Header("Allow", "GET, HEAD, OPTIONS"));
            return method.equals("OPTIONS") ? new Decision(false, 200, allow, "")
                    : answer(400, allow, "The request target must be a path");
        }
        if (responder != null && path.startsWith(CHALLENGE_PATH)) {
            return challenge(method, hostName(request.host()), path.substring(CHALLENGE_PATH.length()));
        }
        if (InMemoryHttp01Responder.isDisguisedChallengePath(path)) {
            return answer(400, List.of(), "ACME challenges are served at " + CHALLENGE_PATH
                    + "{token} exactly, without dot segments or encoded characters");
        }
        if (secure) {
            return pass();
        }
        if (redirectPort == null) {
            return new Decision(true, 0, List.of(), "");
        }
        var port = redirectPort.getAsInt();
        if (port < 1 || port > 65535) {
            return answer(503, List.of(), "HTTPS is not listening yet: try again in a moment");
        }
        var host = hostName(request.host());
        if (host == null) {
            return answer(400, List.of(), "A Host header naming this site is required");
        }
        if (!servedHosts.test(host)) {
            return answer(421, List.of(), "This server does not serve " + host);
        }
        var location = new StringBuilder("https://").append(host.indexOf(':') >= 0 ? "[" + host + "]" : host);
        if (port != 443) {
            location.append(':').append(port);
        }
        location.append(path);
        if (request.query() != null) {
            location.append('?').append(request.query());
        }
        return new Decision(false, redirectStatus, List.of(new Header("Location", location.toString())), "");
    }

    private Decision challenge(String method, String host, String token) {
        if (!method.equals("GET") && !method.equals("HEAD")) {
            return answer(405, List.of(new Header("Allow", "GET, HEAD")), "ACME challenges answer GET and HEAD only");
        }
        if (!InMemoryHttp01Responder.isWellFormedToken(token)) {
            return answer(400, List.of(), "An ACME challenge token is 1 to " + InMemoryHttp01Responder.MAX_TOKEN_LENGTH
                    + " base64url characters");
        }
        if (host == null) {
            return answer(400, List.of(), "A Host header naming this site is required");
        }
        var keyAuthorization = responder.keyAuthorization(host, token);
        if (keyAuthorization.isEmpty()) {
            return answer(404, List.of(), "No pending ACME challenge for this host and token");
        }
        return new Decision(false, 200, List.of(new Header("Cache-Control", "no-store")), keyAuthorization.get());
    }

    private Decision pass() {
        return new Decision(true, 0, hsts == null ? List.of() : List.of(new Header("Strict-Transport-Security", hsts)),
                "");
    }

    private static Decision answer(int status, List<Header> headers, String message) {
        return new Decision(false, status, headers, message + "\n");
    }

    private boolean isSecure(Request request) {
        if (trustForwardedHeaders) {
            var proto = forwardedProto(request.forwarded(), request.forwardedProto());
            if (proto != null) {
                return proto.equals("https");
            }
        }
        return request.secure();
    }

    /**
     * The scheme a proxy says the client used: the first hop's {@code proto} in {@code Forwarded} (RFC 7239),
     * else the first value of {@code X-Forwarded-Proto}; lower case, or null when neither names one.
     */
    private static String forwardedProto(String forwarded, String xForwardedProto) {
        if (forwarded != null) {
            var firstHop = forwarded.split(",", 2)[0];
            for (var pair : firstHop.split(";")) {
                var equals = pair.indexOf('=');
                if (equals > 0 && pair.substring(0, equals).trim().equalsIgnoreCase("proto")) {
                    var value = pair.substring(equals + 1).trim().replace("\"", "");
                    return value.isEmpty() ? null : value.toLowerCase(Locale.ROOT);
                }
            }
        }
        if (xForwardedProto == null) {
            return null;
        }
        var value = xForwardedProto.split(",", 2)[0].trim();
        return value.isEmpty() ? null : value.toLowerCase(Locale.ROOT);
    }

    /**
     * The host name of a Host header, without its port, in lower case (an IPv6 address without brackets, in the form
     * certificates list it); null when missing or malformed.
     */
    static String hostName(String hostHeader) {
        if (hostHeader == null) {
            return null;
        }
        var host = hostHeader.trim();
        var colon = host.lastIndexOf(':');
        if (colon > 0 && host.indexOf(']') < colon) {
            var port = host.substring(colon + 1);
            if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(Character::isDigit)) {
                return null;
            }
            host = host.substring(0, colon);
        }
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        if (!HOST.matcher(host).matches()) {
            return null;
        }
        return host.startsWith("[") ? IpAddresses.canonical(host) : host.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return "HttpFrontDoor[" + (responder == null ? "no challenges" : responder)
                + (redirectPort == null ? ", no redirect" : ", redirect " + redirectStatus + " to port "
                        + redirectPort.getAsInt())
                + (hsts == null ? ", no HSTS" : ", HSTS " + hsts)
                + (trustForwardedHeaders ? ", trusting forwarded headers" : "") + "]";
    }

    /**
     * Configures an {@link HttpFrontDoor}. Each setter checks its value at once and names the fault; a setter
     * called again replaces its value. Not thread-safe; the front door shares nothing with it.
     */
    public static final class Builder {

        private InMemoryHttp01Responder responder;
        private IntSupplier redirectPort;
        private int redirectStatus = 308;
        private Hsts hsts;
        private boolean trustForwardedHeaders;
        private Predicate<String> servedHosts = host -> true;

        private Builder(InMemoryHttp01Responder responder) {
            this.responder = responder;
        }

        /**
         * Answers the challenges of {@code responder}, or none when null; replaces the one given before.
         *
         * @param responder the challenges to answer, or null
         * @return this builder
         */
        public Builder challenges(InMemoryHttp01Responder responder) {
            this.responder = responder;
            return this;
        }

        /**
         * Redirects plain-HTTP requests, except challenges, to the same host, path and query over HTTPS on
         * {@code httpsPort} (left out of the URL when 443). Default: no redirect.
         *
         * @param httpsPort the HTTPS port clients reach
         * @return this builder
         */
        public Builder redirectToHttps(int httpsPort) {
            if (httpsPort < 1 || httpsPort > 65535) {
                throw new IllegalArgumentException("redirectToHttps port must be 1 to 65535, got " + httpsPort);
            }
            this.redirectPort = () -> httpsPort;
            return this;
        }

        /**
         * As {@link #redirectToHttps(int)}, with the port asked for at each redirect: for a server that listens on
         * any free port, whose port is known once it has started. Until it is (0), plain HTTP is answered 503.
         *
         * @param httpsPort gives the HTTPS port, 0 until it is known
         * @return this builder
         */
        public Builder redirectToHttps(IntSupplier httpsPort) {
            this.redirectPort = Objects.requireNonNull(httpsPort, "httpsPort");
            return this;
        }

        /**
         * The redirect status: 308 (default; keeps the method and body, and every current client follows it) or
         * 301 (for very old clients; they may turn a POST into a GET).
         *
         * @param status 308 or 301
         * @return this builder
         */
        public Builder redirectStatus(int status) {
            if (status != 301 && status != 308) {
                throw new IllegalArgumentException("redirectStatus must be 301 or 308, got " + status);
            }
            this.redirectStatus = status;
            return this;
        }

        /**
         * Sends {@code hsts} on every HTTPS response. Default: none.
         *
         * @param hsts the policy
         * @return this builder
         */
        public Builder hsts(Hsts hsts) {
            this.hsts = Objects.requireNonNull(hsts, "hsts");
            return this;
        }

        /**
         * Takes the scheme from {@code Forwarded: proto=} or {@code X-Forwarded-Proto} when present. Only behind
         * a proxy that sets them and that every request passes through: otherwise a client can forge them.
         * Default: off, the connection's own scheme counts.
         *
         * @return this builder
         */
        public Builder trustForwardedHeaders() {
            this.trustForwardedHeaders = true;
            return this;
        }

        /**
         * Redirects only hosts that {@code served} accepts (a lower-case host name without port), answering 421
         * for the others. Default: every well-formed host.
         *
         * @param served accepts the hosts to redirect
         * @return this builder
         */
        public Builder servedHosts(Predicate<String> served) {
            this.servedHosts = Objects.requireNonNull(served, "served");
            return this;
        }

        /**
         * Redirects only the hosts {@code manager} has a certificate for (exact or wildcard) and, with on-demand TLS,
         * the names a handshake may get one for (not refused lately).
         *
         * @param manager the manager whose names are served
         * @return this builder
         */
        public Builder servedHosts(CertificateManager manager) {
            Objects.requireNonNull(manager, "manager");
            return servedHosts(manager::serves);
        }

        /**
         * Builds the front door.
         *
         * @return the front door
         */
        public HttpFrontDoor build() {
            return new HttpFrontDoor(this);
        }
    }
}

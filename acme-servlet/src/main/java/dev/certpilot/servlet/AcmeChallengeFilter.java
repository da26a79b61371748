package dev.certpilot.servlet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Objects;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.Hsts;
import dev.certpilot.core.HttpsRedirect;
import dev.certpilot.core.InMemoryHttp01Responder;

/**
 * A servlet filter that answers the CA's HTTP-01 challenges from an {@link InMemoryHttp01Responder}, and
 * optionally redirects plain HTTP to HTTPS and sends HSTS, leaving the challenge path reachable over HTTP.
 *
 * <p>{@code GET} and {@code HEAD /.well-known/acme-challenge/{token}} answer the key authorization as
 * {@code text/plain} when a challenge for that host and token is pending, 404 otherwise. A token that is not
 * 1 to 256 base64url characters gets 400 and other methods 405, before any lookup; nothing is read from the
 * file system. Any other path that names the challenge directory (dot segments, encoded slashes or
 * characters) gets 400 too. Every other request is redirected to HTTPS (when {@link Builder#redirectToHttps enabled} and
 * the request is plain HTTP) or passes down the chain, with the HSTS header on HTTPS responses when
 * {@link Builder#hsts configured}. Map it to {@code /*} in the root context, first in the chain.
 *
 * <p>Registered in code (Jetty's {@code ServletContextHandler}):
 * <pre>{@code
 * var filter = AcmeChallengeFilter.builder(http01).redirectToHttps(443)
 *         .hsts(Hsts.maxAge(Duration.ofDays(365))).build();
 * context.addFilter(new FilterHolder(filter), "/*", EnumSet.of(DispatcherType.REQUEST));
 * }</pre>
 * With the Servlet API, for instance from a {@code ServletContainerInitializer}:
 * <pre>{@code
 * servletContext.addFilter("acme", filter).addMappingForUrlPatterns(null, false, "/*");
 * }</pre>
 * In Spring Boot:
 * <pre>{@code
 * @Bean
 * FilterRegistrationBean<AcmeChallengeFilter> acmeChallengeFilter(InMemoryHttp01Responder http01) {
 *     var registration = new FilterRegistrationBean<>(AcmeChallengeFilter.builder(http01).build());
 *     registration.addUrlPatterns("/*");
 *     registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
 *     return registration;
 * }
 * }</pre>
 * In {@code web.xml}, the filter takes its responder from the servlet context attribute
 * {@link #RESPONDER_ATTRIBUTE} (set it from a {@code ServletContextListener}) and its options from init
 * parameters, each optional:
 * <pre>{@code
 * <filter>
 *   <filter-name>acme</filter-name>
 *   <filter-class>dev.certpilot.servlet.AcmeChallengeFilter</filter-class>
 *   <init-param><param-name>redirect-to-https-port</param-name><param-value>443</param-value></init-param>
 *   <init-param><param-name>redirect-status</param-name><param-value>308</param-value></init-param>
 *   <init-param><param-name>hsts-max-age-seconds</param-name><param-value>31536000</param-value></init-param>
 *   <init-param><param-name>hsts-include-subdomains</param-name><param-value>true</param-value></init-param>
 *   <init-param><param-name>hsts-preload</param-name><param-value>false</param-value></init-param>
 *   <init-param><param-name>trust-forwarded-headers</param-name><param-value>false</param-value></init-param>
 * </filter>
 * <filter-mapping><filter-name>acme</filter-name><url-pattern>/*</url-pattern></filter-mapping>
 * }</pre>
 *
 * <p>Thread-safe: its configuration is immutable once {@link #init} has returned.
 */
public final class AcmeChallengeFilter implements Filter {

    /** The servlet context attribute holding the {@link InMemoryHttp01Responder} for the web.xml form. */
    public static final String RESPONDER_ATTRIBUTE = "dev.certpilot.servlet.Http01Responder";

    /** The path prefix of HTTP-01 challenges (RFC 8555, section 8.3). */
    public static final String CHALLENGE_PATH = InMemoryHttp01Responder.CHALLENGE_PATH;

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.challenge");

    private volatile Settings settings;

    /**
     * For {@code web.xml}: configured from init parameters by {@link #init}, with the responder found in the
     * servlet context attribute {@link #RESPONDER_ATTRIBUTE}.
     */
    public AcmeChallengeFilter() {
    }

    /** A filter that answers challenges from {@code responder}, with no redirect and no HSTS. */
    public AcmeChallengeFilter(InMemoryHttp01Responder responder) {
        this(builder(responder));
    }

    private AcmeChallengeFilter(Builder builder) {
        this.settings = new Settings(builder);
    }

    /** Starts configuring a filter that answers challenges from {@code responder}. */
    public static Builder builder(InMemoryHttp01Responder responder) {
        return new Builder(Objects.requireNonNull(responder, "responder"));
    }

    /**
     * Reads the init parameters when built with the no-argument constructor; otherwise does nothing.
     *
     * @throws ServletException naming the init parameter or context attribute that is wrong, and the fix
     */
    @Override
    public void init(FilterConfig config) throws ServletException {
        if (settings == null) {
            settings = new Settings(InitParameters.configure(config));
        }
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        var current = settings;
        if (current == null) {
            throw new ServletException("AcmeChallengeFilter used before init(FilterConfig)");
        }
        if (!(request instanceof HttpServletRequest http) || !(response instanceof HttpServletResponse out)) {
            chain.doFilter(request, response);
            return;
        }
        var secure = current.isSecure(http);
        if (secure && current.hsts != null) {
            out.setHeader("Strict-Transport-Security", current.hsts);
        }
        var path = pathInContext(http);
        if (path.startsWith(CHALLENGE_PATH)) {
            answerChallenge(current.responder, http, out, path.substring(CHALLENGE_PATH.length()));
        } else if (InMemoryHttp01Responder.isDisguisedChallengePath(path)) {
            LOG.debug("Ambiguous challenge path from {}", http.getRemoteAddr());
            send(out, HttpServletResponse.SC_BAD_REQUEST, "ACME challenges are served at " + CHALLENGE_PATH
                    + "{token} exactly, without dot segments or encoded characters", "HEAD".equals(http.getMethod()));
        } else if (!secure && current.redirectPort != 0) {
            redirect(current, http, out);
        } else {
            chain.doFilter(request, response);
        }
    }

    /** Does nothing: the filter owns no resource; the responder belongs to the application. */
    @Override
    public void destroy() {
    }

    @Override
    public String toString() {
        var current = settings;
        return "AcmeChallengeFilter[" + (current == null ? "not initialized" : current) + "]";
    }

    private static void answerChallenge(InMemoryHttp01Responder responder, HttpServletRequest request,
            HttpServletResponse response, String token) throws IOException {
        var method = request.getMethod();
        var head = "HEAD".equals(method);
        if (!head && !"GET".equals(method)) {
            response.setHeader("Allow", "GET, HEAD");
            send(response, HttpServletResponse.SC_METHOD_NOT_ALLOWED, "ACME challenges answer GET and HEAD only",
                    head);
            return;
        }
        if (!InMemoryHttp01Responder.isWellFormedToken(token)) {
            LOG.debug("Malformed challenge request from {}", request.getRemoteAddr());
            send(response, HttpServletResponse.SC_BAD_REQUEST,
                    "An ACME challenge token is 1 to " + InMemoryHttp01Responder.MAX_TOKEN_LENGTH
                            + " base64url characters", head);
            return;
        }
        var host = request.getServerName();
        var keyAuthorization = responder.keyAuthorization(host, token);
        if (keyAuthorization.isEmpty()) {
            LOG.debug("No pending challenge for host {} (request from {})", host, request.getRemoteAddr());
            send(response, HttpServletResponse.SC_NOT_FOUND, "No pending ACME challenge for this host and token",
                    head);
            return;
        }
        LOG.debug("Answered challenge for {} to {}", host, request.getRemoteAddr());
        response.setHeader("Cache-Control", "no-store");
        sendBody(response, HttpServletResponse.SC_OK, keyAuthorization.get(), head);
    }

    private static void redirect(Settings settings, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        // only the host the client named: without a Host header containers fall back to this server's address
        var host = request.getHeader("Host") == null ? null : request.getServerName();
        var target = request.getRequestURI();
        var location = target == null || !target.startsWith("/") ? Optional.<String>empty()
                : HttpsRedirect.location(host, settings.redirectPort, target, request.getQueryString());
        if (location.isEmpty()) {
            send(response, HttpServletResponse.SC_BAD_REQUEST, "Missing or malformed Host header",
                    "HEAD".equals(request.getMethod()));
            return;
        }
        response.setStatus(settings.redirectStatus);
        response.setHeader("Location", location.get());
        response.setContentLength(0);
    }

    private static String pathInContext(HttpServletRequest request) {
        var uri = request.getRequestURI();
        var context = request.getContextPath();
        return context != null && !context.isEmpty() && uri.startsWith(context) ? uri.substring(context.length())
                : uri;
    }

    private static void send(HttpServletResponse response, int status, String message, boolean head)
            throws IOException {
        sendBody(response, status, message + "\n", head);
    }

    private static void sendBody(HttpServletResponse response, int status, String body, boolean head)
            throws IOException {
        var bytes = body.getBytes(StandardCharsets.US_ASCII);
        response.setStatus(status);
        response.setContentType("text/plain");
        response.setContentLength(bytes.length);
        if (!head) {
            response.getOutputStream().write(bytes);
        }
    }

    /** The filter's immutable configuration. */
    private static final class Settings {
        final InMemoryHttp01Responder responder;
        final int redirectPort;
        final int redirectStatus;
        final String hsts;
        final boolean trustForwardedHeaders;

        Settings(Builder builder) {
            this.responder = builder.responder;
            this.redirectPort = builder.redirectPort;
            this.redirectStatus = builder.redirectStatus;
            this.hsts = builder.hsts == null ? null : builder.hsts.headerValue();
            this.trustForwardedHeaders = builder.trustForwardedHeaders;
        }

        boolean isSecure(HttpServletRequest request) {
            if (trustForwardedHeaders) {
                var proto = ForwardedProto.of(request);
                if (proto != null) {
                    return "https".equalsIgnoreCase(proto);
                }
            }
            return request.isSecure();
        }

        @Override
        public String toString() {
            return responder + (redirectPort == 0 ? ", no redirect" : ", redirect " + redirectStatus + " to port "
                    + redirectPort) + (hsts == null ? ", no HSTS" : ", HSTS " + hsts)
                    + (trustForwardedHeaders ? ", trusting forwarded headers" : "");
        }
    }

    /**
     * Configures an {@link AcmeChallengeFilter}. Each setter checks its value at once and names the fault.
     * Not thread-safe; the filter it builds shares nothing mutable with it.
     */
    public static final class Builder {

        private final InMemoryHttp01Responder responder;
        private int redirectPort;
        private int redirectStatus = HttpServletResponse.SC_MOVED_PERMANENTLY;
        private Hsts hsts;
        private boolean trustForwardedHeaders;

        private Builder(InMemoryHttp01Responder responder) {
            this.responder = responder;
        }

        /**
         * Redirects plain-HTTP requests, except challenges, to the same host and path over HTTPS on
         * {@code httpsPort} (omitted from the URL when 443). Default: no redirect.
         */
        public Builder redirectToHttps(int httpsPort) {
            if (httpsPort < 1 || httpsPort > 65535) {
                throw new IllegalArgumentException("redirectToHttps port must be 1 to 65535, got " + httpsPort);
            }
            this.redirectPort = httpsPort;
            return this;
        }

        /**
         * The redirect status: 301 (default; every client follows it, but may turn a POST into a GET) or 308
         * (keeps the method and body).
         */
        public Builder redirectStatus(int status) {
            if (status != HttpServletResponse.SC_MOVED_PERMANENTLY && status != 308) {
                throw new IllegalArgumentException("redirectStatus must be 301 or 308, got " + status);
            }
            this.redirectStatus = status;
            return this;
        }

        /** Sends {@code hsts} on every HTTPS response. Default: no HSTS header. */
        public Builder hsts(Hsts hsts) {
            this.hsts = Objects.requireNonNull(hsts, "hsts");
            return this;
        }

        /**
         * Takes the scheme from {@code Forwarded: proto=} or {@code X-Forwarded-Proto} when present. Enable it
         * only behind a proxy that sets these headers and that every request passes through: otherwise a
         * client can forge them. Default: off, only the connection's own scheme counts.
         */
        public Builder trustForwardedHeaders() {
            this.trustForwardedHeaders = true;
            return this;
        }

        /** Builds the filter. */
        public AcmeChallengeFilter build() {
            return new AcmeChallengeFilter(this);
        }
    }
}

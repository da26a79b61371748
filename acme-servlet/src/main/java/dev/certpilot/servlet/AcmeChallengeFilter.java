package dev.certpilot.servlet;

import java.io.IOException;
import java.util.Objects;
import java.util.function.IntSupplier;

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

import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.Hsts;
import dev.certpilot.core.HttpFrontDoor;
import dev.certpilot.core.InMemoryHttp01Responder;

/**
 * A servlet filter that answers the CA's HTTP-01 challenges from an {@link InMemoryHttp01Responder}, and
 * optionally redirects plain HTTP to HTTPS and sends HSTS, leaving the challenge path reachable over HTTP. It does
 * what an {@link HttpFrontDoor} decides, as the Jetty handler does, so that both answer every request alike: see
 * there for each answer (challenges, 400 for malformed or disguised ones, 405, 421 for hosts not served, the
 * redirect, HSTS). Nothing is read from the file system. Map it to {@code /*} in the root context, first in the
 * chain.
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
 * {@link #RESPONDER_ATTRIBUTE} and, optionally, the manager from {@link #MANAGER_ATTRIBUTE} (set both from a
 * {@code ServletContextListener}), and its options from init parameters, each optional:
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

    /**
     * The servlet context attribute that may hold the {@code CertificateManager}, for the web.xml form: hosts it does
     * not serve then get 421 instead of a redirect ({@link Builder#servedHosts}).
     */
    public static final String MANAGER_ATTRIBUTE = "dev.certpilot.servlet.CertificateManager";

    /** The path prefix of HTTP-01 challenges (RFC 8555, section 8.3). */
    public static final String CHALLENGE_PATH = InMemoryHttp01Responder.CHALLENGE_PATH;

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.challenge");

    private volatile HttpFrontDoor frontDoor;

    /**
     * For {@code web.xml}: configured from init parameters by {@link #init}, with the responder found in the
     * servlet context attribute {@link #RESPONDER_ATTRIBUTE}.
     */
    public AcmeChallengeFilter() {
    }

    /**
     * A filter that answers challenges from {@code responder}, with no redirect and no HSTS.
     *
     * @param responder the challenges to answer
     */
    public AcmeChallengeFilter(InMemoryHttp01Responder responder) {
        this(builder(responder));
    }

    private AcmeChallengeFilter(Builder builder) {
        this.frontDoor = builder.frontDoor.build();
    }

    /**
     * Starts configuring a filter that answers challenges from {@code responder}.
     *
     * @param responder the challenges to answer
     * @return a new builder
     */
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
        if (frontDoor == null) {
            frontDoor = InitParameters.configure(config).frontDoor.build();
        }
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        var current = frontDoor;
        if (current == null) {
            throw new ServletException("AcmeChallengeFilter used before init(FilterConfig)");
        }
        if (!(request instanceof HttpServletRequest http) || !(response instanceof HttpServletResponse out)) {
            chain.doFilter(request, response);
            return;
        }
        var target = http.getRequestURI();
        var decision = current.decide(new HttpFrontDoor.Request(http.getMethod(), http.getHeader("Host"),
                target == null || target.isEmpty() ? "*" : target, http.getQueryString(), http.isSecure(),
                http.getHeader("Forwarded"), http.getHeader("X-Forwarded-Proto")));
        for (var header : decision.headers()) {
            out.setHeader(header.name(), header.value());
        }
        if (decision.pass()) {
            chain.doFilter(request, response);
            return;
        }
        if (decision.status() >= 400) {
            LOG.debug("Answered {} to {} {} from {}", decision.status(), http.getMethod(), target,
                    http.getRemoteAddr());
        }
        var body = decision.bodyBytes();
        out.setStatus(decision.status());
        if (body.length > 0) {
            out.setContentType("text/plain; charset=utf-8");
        }
        out.setContentLength(body.length);
        if (body.length > 0 && !"HEAD".equals(http.getMethod())) {
            out.getOutputStream().write(body);
        }
    }

    /** Does nothing: the filter owns no resource; the responder belongs to the application. */
    @Override
    public void destroy() {
    }

    @Override
    public String toString() {
        var current = frontDoor;
        return "AcmeChallengeFilter[" + (current == null ? "not initialized" : current) + "]";
    }

    /**
     * Configures an {@link AcmeChallengeFilter}. Each setter checks its value at once and names the fault.
     * Not thread-safe; the filter it builds shares nothing mutable with it.
     */
    public static final class Builder {

        private final HttpFrontDoor.Builder frontDoor;

        private Builder(InMemoryHttp01Responder responder) {
            this.frontDoor = HttpFrontDoor.builder(responder);
        }

        /**
         * Redirects plain-HTTP requests, except challenges, to the same host and path over HTTPS on
         * {@code httpsPort} (omitted from the URL when 443). Default: no redirect.
         *
         * @param httpsPort the HTTPS port clients reach
         * @return this builder
         */
        public Builder redirectToHttps(int httpsPort) {
            frontDoor.redirectToHttps(httpsPort);
            return this;
        }

        /**
         * As {@link #redirectToHttps(int)}, with the port asked for at each redirect: for an HTTPS connector on any
         * free port, known once the server has started. Until it is (0), plain HTTP is answered 503.
         *
         * @param httpsPort gives the HTTPS port, 0 until it is known
         * @return this builder
         */
        public Builder redirectToHttps(IntSupplier httpsPort) {
            frontDoor.redirectToHttps(httpsPort);
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
            frontDoor.redirectStatus(status);
            return this;
        }

        /**
         * Sends {@code hsts} on every HTTPS response. Default: no HSTS header.
         *
         * @param hsts the policy
         * @return this builder
         */
        public Builder hsts(Hsts hsts) {
            frontDoor.hsts(hsts);
            return this;
        }

        /**
         * Takes the scheme from {@code Forwarded: proto=} or {@code X-Forwarded-Proto} when present. Enable it
         * only behind a proxy that sets these headers and that every request passes through: otherwise a
         * client can forge them. Default: off, only the connection's own scheme counts.
         *
         * @return this builder
         */
        public Builder trustForwardedHeaders() {
            frontDoor.trustForwardedHeaders();
            return this;
        }

        /**
         * Redirects only the hosts {@code manager} has a certificate for, answering 421 Misdirected Request to
         * others (a {@code Host: evil.example} would otherwise be sent to {@code https://evil.example}). Default:
         * every well-formed host, as the {@code web.xml} form must.
         *
         * @param manager the manager whose names are served
         * @return this builder
         */
        public Builder servedHosts(CertificateManager manager) {
            frontDoor.servedHosts(manager);
            return this;
        }

        /**
         * Builds the filter.
         *
         * @return the filter
         */
        public AcmeChallengeFilter build() {
            return new AcmeChallengeFilter(this);
        }
    }
}

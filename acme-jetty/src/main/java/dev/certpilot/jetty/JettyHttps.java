package dev.certpilot.jetty;

import java.time.Duration;
import java.util.Objects;

import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.ForwardedRequestCustomizer;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.Hsts;
import dev.certpilot.core.HttpFrontDoor;
import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.core.OnDemandTls;
import dev.certpilot.core.spi.TlsAlpn01Responder;

/**
 * Automatic HTTPS for an embedded Jetty in a few lines: an HTTPS connector serving the manager's certificates
 * over HTTP/2 and HTTP/1.1 (negotiated through ALPN, HTTP/1.1 for clients that offer none) with TLS-ALPN-01 on
 * it, and optionally an HTTP connector that answers HTTP-01 challenges and redirects everything else to HTTPS.
 * Both connectors are set for a public port: an idle timeout, a deadline for a new connection's first request
 * (against clients that trickle bytes), a limit on open connections, and no {@code Server} header.
 *
 * <pre>{@code
 * var http01 = new InMemoryHttp01Responder();
 * var manager = CertificateManager.builder() ... .challenges(http01).build();
 * var server = new Server();
 * JettyHttps.builder(manager).http01(http01).install(server, myHandler);
 * server.start();
 * manager.start();
 * }</pre>
 *
 * <p>For anything else, assemble the parts yourself: {@link ManagedSslContextFactory},
 * {@link AcmeTlsConnectionFactory} (offered through ALPN) and {@link AcmeChallengeHandler}. Immutable once
 * installed; the connectors it returns are Jetty's, thread-safe as Jetty makes them.
 */
public final class JettyHttps {

    private final ServerConnector http;
    private final ServerConnector https;
    private final ManagedSslContextFactory sslContextFactory;

    private JettyHttps(ServerConnector http, ServerConnector https, ManagedSslContextFactory sslContextFactory) {
        this.http = http;
        this.https = https;
        this.sslContextFactory = sslContextFactory;
    }

    /**
     * Starts configuring the connectors for {@code manager}.
     *
     * @param manager the manager whose certificates are served
     * @return a new builder
     */
    public static Builder builder(CertificateManager manager) {
        return new Builder(Objects.requireNonNull(manager, "manager"));
    }

    /**
     * The HTTP connector, or null when HTTP-01 was not configured.
     *
     * @return the HTTP connector, or null
     */
    public ServerConnector httpConnector() {
        return http;
    }

    /**
     * The HTTPS connector.
     *
     * @return the HTTPS connector
     */
    public ServerConnector httpsConnector() {
        return https;
    }

    /**
     * The factory serving the manager's certificates, to adjust TLS settings before the server starts.
     *
     * @return the factory
     */
    public ManagedSslContextFactory sslContextFactory() {
        return sslContextFactory;
    }

    /**
     * Configures {@link JettyHttps}. Each setter checks its value at once. Not thread-safe.
     */
    public static final class Builder {

        private final CertificateManager manager;
        private InMemoryHttp01Responder http01;
        private int httpPort = 80;
        private int httpsPort = 443;
        private int redirectPort = -1;
        private String host;
        private final HttpFrontDoor.Builder frontDoor = HttpFrontDoor.builder(null);
        private boolean trustForwardedHeaders;
        private Duration idleTimeout = Duration.ofSeconds(30);
        private Duration requestHeaderTimeout = Duration.ofSeconds(10);
        private int maxConnections = 4096;

        private Builder(CertificateManager manager) {
            this.manager = manager;
        }

        /**
         * Adds the HTTP connector, answering HTTP-01 challenges from {@code responder} and redirecting other
         * requests to HTTPS. Without it there is no HTTP connector: use TLS-ALPN-01 (or DNS-01).
         *
         * @param responder the challenges to answer
         * @return this builder
         */
        public Builder http01(InMemoryHttp01Responder responder) {
            this.http01 = Objects.requireNonNull(responder, "responder");
            return this;
        }

        /**
         * The HTTP connector's port; default 80; 0 picks a free one.
         *
         * @param port the port, 0 or more
         * @return this builder
         */
        public Builder httpPort(int port) {
            this.httpPort = port(port, "httpPort");
            return this;
        }

        /**
         * The HTTPS connector's port; default 443 (which TLS-ALPN-01 validates); 0 picks a free one.
         *
         * @param port the port, 0 or more
         * @return this builder
         */
        public Builder httpsPort(int port) {
            this.httpsPort = port(port, "httpsPort");
            return this;
        }

        /**
         * The HTTPS port named in redirects, when clients reach it through another port than the connector's
         * (a NAT or a proxy); default the HTTPS connector's port.
         *
         * @param port the port clients reach
         * @return this builder
         */
        public Builder redirectPort(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("redirectPort must be 1 to 65535, got " + port);
            }
            this.redirectPort = port;
            return this;
        }

        /**
         * The address to listen on; default all interfaces.
         *
         * @param host an address or host name
         * @return this builder
         */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /**
         * Sends this HSTS policy on HTTPS responses; default none.
         *
         * @param hsts the policy
         * @return this builder
         */
        public Builder hsts(Hsts hsts) {
            frontDoor.hsts(hsts);
            return this;
        }

        /**
         * Trusts {@code X-Forwarded-Proto}, {@code X-Forwarded-For}, {@code X-Forwarded-Host} and
         * {@code Forwarded} from clients: a request a proxy received over HTTPS is then treated as HTTPS (served,
         * not redirected, with HSTS). Only behind a proxy that every request passes through and that sets these
         * headers itself; otherwise any client can claim HTTPS. Default off.
         *
         * @return this builder
         */
        public Builder trustForwardedHeaders() {
            this.trustForwardedHeaders = true;
            frontDoor.trustForwardedHeaders();
            return this;
        }

        /**
         * How long a connection may stay idle before it is closed; default 30 seconds.
         *
         * @param timeout the idle time, positive
         * @return this builder
         */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = positive(timeout, "idleTimeout");
            return this;
        }

        /**
         * How long a new connection has to begin its first request, TLS handshake included, before it is closed;
         * default 10 seconds. Bounds clients that keep a connection open by sending a byte now and then. With
         * on-demand TLS, the HTTPS connector adds the on-demand handshake timeout to it, so that a handshake that
         * waited for its certificate still leaves the client this long for its request.
         *
         * @param timeout the time to the first request, positive
         * @return this builder
         */
        public Builder requestHeaderTimeout(Duration timeout) {
            this.requestHeaderTimeout = positive(timeout, "requestHeaderTimeout");
            return this;
        }

        /**
         * The most connections open at once on both connectors together; more are not accepted until some
         * close. Default 4096.
         *
         * @param connections the connections at once, at least 1
         * @return this builder
         */
        public Builder maxConnections(int connections) {
            if (connections < 1) {
                throw new IllegalArgumentException("maxConnections must be at least 1, got " + connections);
            }
            this.maxConnections = connections;
            return this;
        }

        /**
         * Adds the connectors to {@code server} and makes {@code handler}, behind an {@link AcmeChallengeHandler},
         * the server's handler. Call before {@code server.start()}.
         *
         * @param server the server, not started
         * @param handler the application
         * @return the connectors made, to read their ports once started
         * @throws IllegalStateException if the server is already started
         */
        public JettyHttps install(Server server, Handler handler) {
            if (server.isStarted() || server.isStarting()) {
                throw new IllegalStateException("Install JettyHttps before server.start()");
            }
            var ssl = new ManagedSslContextFactory(manager);
            var httpsConfig = httpConfiguration();
            httpsConfig.setSecureScheme("https");
            httpsConfig.addCustomizer(new SecureRequestCustomizer());
            var http11 = new HttpConnectionFactory(httpsConfig);
            // no protocols given: ALPN offers those of the factories after it, in order (h2, http/1.1, acme-tls/1)
            var alpn = new ALPNServerConnectionFactory();
            alpn.setDefaultProtocol(http11.getProtocol());
            var https = new ServerConnector(server, new AddressedSslConnectionFactory(ssl, alpn.getProtocol()), alpn,
                    new HTTP2ServerConnectionFactory(httpsConfig), http11, new AcmeTlsConnectionFactory());
            // a handshake may wait for an on-demand certificate: the client's first request gets its full time after it
            var onDemandWait = manager.onDemandTls().map(OnDemandTls::handshakeTimeout).orElse(Duration.ZERO);
            configure(https, "https", httpsPort, requestHeaderTimeout.plus(onDemandWait));
            server.addConnector(https);

            ServerConnector http = null;
            if (http01 != null) {
                http = new ServerConnector(server, new HttpConnectionFactory(httpConfiguration()));
                configure(http, "http", httpPort, requestHeaderTimeout);
                server.addConnector(http);
            }
            server.addBean(http == null ? new NetworkConnectionLimit(maxConnections, https)
                    : new NetworkConnectionLimit(maxConnections, https, http));
            frontDoor.challenges(http01).servedHosts(manager);
            if (http01 != null) {
                var port = redirectPort > 0 ? redirectPort : httpsPort;
                frontDoor.redirectToHttps(port > 0 ? () -> port : https::getLocalPort);
            }
            server.setHandler(new AcmeChallengeHandler(frontDoor.build(), handler));
            return new JettyHttps(http, https, ssl);
        }

        private HttpConfiguration httpConfiguration() {
            var config = new HttpConfiguration();
            config.setSendServerVersion(false);
            if (trustForwardedHeaders) {
                config.addCustomizer(new ForwardedRequestCustomizer());
            }
            return config;
        }

        private void configure(ServerConnector connector, String name, int port, Duration firstRequestDeadline) {
            connector.setName(name);
            connector.setHost(host);
            connector.setPort(port);
            connector.setIdleTimeout(idleTimeout.toMillis());
            connector.addBean(new FirstRequestDeadline(connector, firstRequestDeadline));
        }

        private static Duration positive(Duration value, String field) {
            Objects.requireNonNull(value, field);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(field + " must be positive, got " + value);
            }
            return value;
        }

        private static int port(int port, String field) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException(field + " must be 0 (any free port) to 65535, got " + port);
            }
            return port;
        }
    }
}

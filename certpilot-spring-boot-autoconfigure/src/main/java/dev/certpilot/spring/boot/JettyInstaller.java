package dev.certpilot.spring.boot;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.jetty.JettyHttps;

/**
 * On Jetty, where Boot ignores SSL bundle updates, certpilot serves HTTPS itself: Boot's connector on
 * {@code server.port} is replaced by {@link JettyHttps}'s, whose {@code ManagedSslContextFactory} reads the
 * manager's certificates at every handshake (SNI, hot renewal, TLS-ALPN-01), plus the plain-HTTP connector; the
 * front door wraps Boot's handler. Called from each Boot line's Jetty customizer, before the server starts.
 */
final class JettyInstaller {

    private final CertificateManager manager;
    private final InMemoryHttp01Responder http01;
    private final CertpilotProperties properties;

    JettyInstaller(CertificateManager manager, InMemoryHttp01Responder http01, CertpilotProperties properties) {
        this.manager = manager;
        this.http01 = http01;
        this.properties = properties;
    }

    static InvalidCertpilotPropertyException missing() {
        return new InvalidCertpilotPropertyException("certpilot.enabled", "on Jetty, certpilot serves HTTPS "
                + "through dev.certpilot:certpilot-jetty (Boot's Jetty ignores SSL bundle updates and would serve a "
                + "stale certificate), and it is not on the class path",
                "Add the dependency dev.certpilot:certpilot-jetty beside certpilot-spring-boot-starter");
    }

    void install(Server server) {
        ServerConnector boot = null;
        for (var connector : server.getConnectors()) {
            if (boot == null && connector instanceof ServerConnector serverConnector) {
                boot = serverConnector;
            }
            server.removeConnector(connector);
        }
        var https = JettyHttps.builder(manager).http01(http01)
                .httpsPort(boot == null ? 443 : boot.getPort())
                .httpPort(FrontDoorSettings.httpPort(properties));
        if (boot != null && boot.getHost() != null) {
            https.host(boot.getHost());
        }
        if (properties.getRedirectPort() != null) {
            https.redirectPort(properties.getRedirectPort());
        }
        var hsts = FrontDoorSettings.hsts(properties);
        if (hsts != null) {
            https.hsts(hsts);
        }
        var application = server.getHandler();
        server.setHandler((org.eclipse.jetty.server.Handler) null);
        https.install(server, application);
    }
}

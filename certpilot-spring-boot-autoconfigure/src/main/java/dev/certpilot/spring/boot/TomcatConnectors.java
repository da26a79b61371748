package dev.certpilot.spring.boot;

import org.apache.catalina.connector.Connector;
import org.springframework.boot.web.server.Ssl;
import org.springframework.core.env.Environment;

import dev.certpilot.core.CertificateManager;
import dev.certpilot.tomcat.CertificateManagerSslContext;

/**
 * The plain-HTTP connector added beside Boot's HTTPS one on Tomcat, on {@code certpilot.http-port}: the
 * application's filter chain runs on it, with certpilot's filter first, answering challenges and redirecting the
 * rest; and the HTTPS one served from the manager. Used by each Boot line's Tomcat customizer.
 */
final class TomcatConnectors {

    private TomcatConnectors() {
    }

    /**
     * The HTTPS connector: the cipher suite picked in certpilot's order, not the client's; and, when it serves
     * certpilot's bundle ({@code ssl}), the manager's key manager instead of the bundle's key store, so that every
     * managed name gets its own certificate by SNI and each renewal is served at the next handshake.
     */
    static void https(Connector connector, CertificateManager manager, Ssl ssl, String bundle) {
        var hosts = connector.findSslHostConfigs();
        var ours = hosts.length > 0 && ssl != null && bundle.equals(ssl.getBundle());
        var context = ours ? new CertificateManagerSslContext(manager) : null; // made only here: it listens to the manager
        for (var host : hosts) {
            host.setHonorCipherOrder(true);
            if (context != null) {
                host.getCertificates().forEach(certificate -> certificate.setSslContext(context));
            }
        }
    }

    static Connector plainHttp(CertpilotProperties properties, Environment environment) {
        var connector = new Connector();
        connector.setPort(FrontDoorSettings.httpPort(properties));
        var address = environment.getProperty("server.address");
        if (address != null && !address.isBlank()) {
            connector.setProperty("address", address);
        }
        return connector;
    }
}

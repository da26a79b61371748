package dev.certpilot.spring.boot;

import org.apache.catalina.connector.Connector;
import org.springframework.core.env.Environment;

/**
 * The plain-HTTP connector added beside Boot's HTTPS one on Tomcat, on {@code certpilot.http-port}: the
 * application's filter chain runs on it, with certpilot's filter first, answering challenges and redirecting the
 * rest; and the server's cipher order on the HTTPS one. Used by each Boot line's Tomcat customizer.
 */
final class TomcatConnectors {

    private TomcatConnectors() {
    }

    /** Has the HTTPS connector pick the cipher suite in certpilot's order, not the client's. */
    static void serverCipherOrder(Connector connector) {
        for (var host : connector.findSslHostConfigs()) {
            host.setHonorCipherOrder(true);
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

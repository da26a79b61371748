package dev.certpilot.benchmarks;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.jetty.AcmeChallengeHandler;

/**
 * A command that obtains one certificate and exits, as certbot and lego do, for the cold-start comparison:
 * {@code ObtainOnce DIRECTORY TRUST_PEM DOMAIN HTTP_PORT STORAGE}. HTTP-01 is answered by Jetty.
 */
public final class ObtainOnce {

    private ObtainOnce() {
    }

    public static void main(String[] args) throws Exception {
        var http01 = new InMemoryHttp01Responder();
        var server = new Server();
        var connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(Integer.parseInt(args[3]));
        server.addConnector(connector);
        server.setHandler(new AcmeChallengeHandler(http01, 0, null, new Handler.Abstract() {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                    org.eclipse.jetty.util.Callback callback) {
                return false;
            }
        }));
        server.start();
        try (var manager = CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of(URI.create(args[0]).toString())
                        .withTrustedCertificates(Path.of(args[1])))
                .agreeToTermsOfService().domain(args[2]).challenges(http01).storageDirectory(Path.of(args[4]))
                .build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(60));
            System.out.println(manager.certificate(args[2]).orElseThrow().serialNumber().toString(16));
        } finally {
            server.stop();
        }
    }
}

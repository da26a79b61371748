package dev.certpilot.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.util.Jetty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.test.Curl;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.PebbleExtension;
import dev.certpilot.test.TlsClient;

/**
 * The README's servlet filter route as a user writes it in a fresh project: the quick start's block, then the
 * filter's block in a servlet container (Jetty 12's {@code ServletContextHandler}, with the quick start's
 * {@code SSLContext} on its HTTPS connector), both copied as written (the CA, names, folder and ports replaced by the
 * test's). Built by Maven against the installed artifacts, run as its own JVM against Pebble (certificates of 60
 * seconds): curl gets the servlet over HTTPS with HSTS, plain HTTP is redirected, a name not managed gets 421, and
 * the renewal is served by the same process.
 */
class ServletFilterIT {

    @RegisterExtension
    static final PebbleExtension PEBBLE = PebbleExtension.withSettings(b -> b
            .certificateValidity(Duration.ofSeconds(60)).nonceRejectPercent(0));

    @TempDir
    Path project;

    @Test
    void theReadmesFilterInAServletContainerAnswersTheCaRedirectsAndServesTheRenewal(Pebble pebble)
            throws Exception {
        var https = Served.freePort();
        var log = project.resolve("app.log");
        var app = FreshProject.write(project, List.of("certpilot-servlet",
                "org.eclipse.jetty.ee10:jetty-ee10-servlet:" + Jetty.VERSION), main(pebble, https)).buildAndRun(log);
        try {
            var trust = TlsClient.trusting(pebble.root());
            var issued = Served.awaitSerial(trust, https, "shop.test", null, app::isAlive, () -> Served.log(log));
            var page = Curl.get(URI.create("https://shop.test:" + https + "/"), pebble.rootFile());
            assertThat(page.exitCode()).as(page.error()).isZero();
            assertThat(page.body()).isEqualTo("hello from my servlet");
            assertThat(page.header("strict-transport-security")).hasValue("max-age=31536000");
            var plain = Curl.get(URI.create("http://shop.test:" + pebble.httpPort() + "/x?y=1"), pebble.rootFile());
            assertThat(plain.status()).as("plain HTTP redirected").isBetween(301, 308);
            assertThat(plain.header("location")).hasValue("https://shop.test:" + https + "/x?y=1");
            assertThat(plain.header("strict-transport-security")).as("HSTS over HTTPS only").isEmpty();
            var other = Curl.get(URI.create("http://other.test:" + pebble.httpPort() + "/"), pebble.rootFile());
            assertThat(other.status()).as("a name the manager does not serve").isEqualTo(421);

            var renewed = Served.awaitSerial(trust, https, "shop.test", issued, app::isAlive, () -> Served.log(log));
            assertThat(renewed).isNotEqualTo(issued);
            assertThat(app.isAlive()).as("the same process").isTrue();
            var again = Curl.get(URI.create("https://www.shop.test:" + https + "/"), pebble.rootFile());
            assertThat(again.exitCode()).as(again.error()).isZero();
            assertThat(again.body()).isEqualTo("hello from my servlet");
        } finally {
            app.destroy();
            assertThat(app.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static String main(Pebble pebble, int https) {
        var quickStart = Readme.block("java", "SSLContext tls = manager.sslContext();");
        quickStart = Readme.replace(quickStart, "CertificateAuthority.LETS_ENCRYPT_STAGING", "CertificateAuthority.of(\""
                + pebble.directory() + "\").withTrustedCertificates(Path.of(\"" + pebble.listenerCaFile() + "\"))");
        quickStart = Readme.replace(quickStart, "\"shop.example.com\", \"www.shop.example.com\"",
                "\"shop.test\", \"www.shop.test\"");
        quickStart = Readme.replace(quickStart, "Path.of(\"/var/lib/myapp/certpilot\")", "Path.of(\"storage\")");
        var filter = Readme.block("java", "AcmeChallengeFilter.builder(http01)");
        filter = Readme.replace(filter, ".redirectToHttps(443)", ".redirectToHttps(" + https + ")");
        // the servlet container a user has: the quick start's context on its HTTPS connector, the filter in front
        quickStart = Readme.replace(quickStart, "// ... start your HTTPS server with `tls`", """
                var secure = new HttpConfiguration();
                secure.addCustomizer(new SecureRequestCustomizer());
                var sslContextFactory = new SslContextFactory.Server();
                sslContextFactory.setSslContext(tls);
                var httpsConnector = new ServerConnector(server, sslContextFactory, new HttpConnectionFactory(secure));
                httpsConnector.setPort(%d);
                var httpConnector = new ServerConnector(server);
                httpConnector.setPort(%d);
                server.setConnectors(new Connector[] {httpsConnector, httpConnector});
                %s
                server.setHandler(context);
                server.start();
                //""".formatted(https, pebble.httpPort(), filter.replace("\n", "\n        ")));
        return """
                import java.io.IOException;
                import java.nio.file.Path;
                import java.time.Duration;
                import java.util.EnumSet;
                import javax.net.ssl.SSLContext;
                import jakarta.servlet.DispatcherType;
                import jakarta.servlet.http.HttpServlet;
                import jakarta.servlet.http.HttpServletRequest;
                import jakarta.servlet.http.HttpServletResponse;
                import org.eclipse.jetty.ee10.servlet.FilterHolder;
                import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
                import org.eclipse.jetty.ee10.servlet.ServletHolder;
                import org.eclipse.jetty.server.Connector;
                import org.eclipse.jetty.server.HttpConfiguration;
                import org.eclipse.jetty.server.HttpConnectionFactory;
                import org.eclipse.jetty.server.SecureRequestCustomizer;
                import org.eclipse.jetty.server.Server;
                import org.eclipse.jetty.server.ServerConnector;
                import org.eclipse.jetty.util.ssl.SslContextFactory;
                import dev.certpilot.core.CertificateAuthority;
                import dev.certpilot.core.CertificateManager;
                import dev.certpilot.core.Hsts;
                import dev.certpilot.core.InMemoryHttp01Responder;
                import dev.certpilot.servlet.AcmeChallengeFilter;

                public class Main {
                    public static void main(String[] args) throws Exception {
                        var server = new Server();
                        var context = new ServletContextHandler();
                        context.addServlet(new ServletHolder(new HttpServlet() {
                            @Override
                            protected void doGet(HttpServletRequest request, HttpServletResponse response)
                                    throws IOException {
                                response.getWriter().print("hello from my servlet");
                            }
                        }), "/*");
                %s
                    }
                }
                """.formatted(quickStart.indent(8));
    }
}

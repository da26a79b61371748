package dev.certpilot.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.test.Curl;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.PebbleExtension;
import dev.certpilot.test.TlsClient;

/**
 * The README's embedded Jetty route in a fresh project of a user's own: the quick start's builder (CA, names and
 * folder replaced by the test's) and the README's Jetty block as written (the ports given, since Pebble validates on
 * its own), with a handler of the user's. Built by Maven against the installed {@code certpilot-jetty}, run as its own
 * JVM against Pebble (certificates of 60 seconds): curl gets the page over HTTP/2, plain HTTP is redirected, and the
 * renewal is served by the same process.
 */
class EmbeddedJettyIT {

    @RegisterExtension
    static final PebbleExtension PEBBLE = PebbleExtension.withSettings(b -> b
            .certificateValidity(Duration.ofSeconds(60)).nonceRejectPercent(0));

    @TempDir
    Path project;

    @Test
    void theReadmesJettyBlockServesTheCasCertificateAndItsRenewal(Pebble pebble) throws Exception {
        var https = Served.freePort();
        var log = project.resolve("app.log");
        var app = FreshProject.write(project, List.of("certpilot-jetty"), main(pebble, https)).buildAndRun(log);
        try {
            var trust = TlsClient.trusting(pebble.root());
            var issued = Served.awaitSerial(trust, https, "shop.test", null, app::isAlive, () -> Served.log(log));
            var page = Curl.get(URI.create("https://shop.test:" + https + "/"), pebble.rootFile());
            assertThat(page.exitCode()).as(page.error()).isZero();
            assertThat(page.httpVersion()).isEqualTo("2");
            assertThat(page.body()).isEqualTo("hello from my app");
            assertThat(page.header("strict-transport-security")).hasValue("max-age=31536000");
            var plain = Curl.get(URI.create("http://shop.test:" + pebble.httpPort() + "/x"), pebble.rootFile());
            assertThat(plain.status()).isBetween(301, 308);
            assertThat(plain.header("location")).hasValue("https://shop.test:" + https + "/x");

            var renewed = Served.awaitSerial(trust, https, "shop.test", issued, app::isAlive, () -> Served.log(log));
            assertThat(renewed).isNotEqualTo(issued);
            assertThat(app.isAlive()).as("the same process").isTrue();
        } finally {
            app.destroy();
            assertThat(app.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static String main(Pebble pebble, int https) {
        var quickStart = Readme.block("java", "SSLContext tls = manager.sslContext();");
        var builder = quickStart.substring(0, quickStart.indexOf("manager.start();"));
        builder = Readme.replace(builder, "CertificateAuthority.LETS_ENCRYPT_STAGING", "CertificateAuthority.of(\""
                + pebble.directory() + "\").withTrustedCertificates(Path.of(\"" + pebble.listenerCaFile() + "\"))");
        builder = Readme.replace(builder, "\"shop.example.com\", \"www.shop.example.com\"",
                "\"shop.test\", \"www.shop.test\"");
        builder = Readme.replace(builder, "Path.of(\"/var/lib/myapp/certpilot\")", "Path.of(\"storage\")");
        var jetty = Readme.block("java", "JettyHttps.builder(manager).http01(http01)");
        jetty = Readme.replace(jetty, ".http01(http01)", ".http01(http01).httpPort(" + pebble.httpPort()
                + ").httpsPort(" + https + ")");
        return """
                import java.nio.charset.StandardCharsets;
                import java.nio.file.Path;
                import java.time.Duration;
                import org.eclipse.jetty.server.Handler;
                import org.eclipse.jetty.server.Request;
                import org.eclipse.jetty.server.Response;
                import org.eclipse.jetty.server.Server;
                import org.eclipse.jetty.util.Callback;
                import dev.certpilot.core.CertificateAuthority;
                import dev.certpilot.core.CertificateManager;
                import dev.certpilot.core.Hsts;
                import dev.certpilot.core.InMemoryHttp01Responder;
                import dev.certpilot.jetty.JettyHttps;

                public class Main {
                    public static void main(String[] args) throws Exception {
                        Handler app = new Handler.Abstract() {
                            @Override
                            public boolean handle(Request request, Response response, Callback callback) {
                                response.write(true, StandardCharsets.UTF_8.encode("hello from my app"), callback);
                                return true;
                            }
                        };
                %s%s
                    }
                }
                """.formatted(builder.indent(8), jetty.indent(8));
    }
}

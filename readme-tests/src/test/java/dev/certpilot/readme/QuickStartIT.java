package dev.certpilot.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
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
 * The README's quick start as a user copies it into a fresh project of their own: a pom that depends on the
 * installed {@code certpilot-core}, a main class made of the README's block (the CA, names and folder replaced by the
 * test's), and the JDK's own {@code HttpsServer}, which starts in the background, in place of the block's "start
 * your HTTPS server" line. Built by Maven, run as its own JVM against Pebble (certificates of 60 seconds): curl gets
 * the CA's certificate, then its renewal, from the same process.
 */
class QuickStartIT {

    @RegisterExtension
    static final PebbleExtension PEBBLE = PebbleExtension.withSettings(b -> b
            .certificateValidity(Duration.ofSeconds(60)).nonceRejectPercent(0));

    @TempDir
    Path project;

    @Test
    void theQuickStartOnAServerThatStartsInTheBackgroundKeepsRenewing(Pebble pebble) throws Exception {
        var https = Served.freePort();
        var log = project.resolve("app.log");
        var app = writeProject(pebble, https).buildAndRun(log);
        try {
            var trust = TlsClient.trusting(pebble.root());
            var issued = Served.awaitSerial(trust, https, "shop.test", null, app::isAlive, () -> Served.log(log));
            var page = Curl.get(URI.create("https://shop.test:" + https + "/"), pebble.rootFile());
            assertThat(page.exitCode()).as(page.error()).isZero();
            assertThat(page.body()).isEqualTo("hello over HTTPS");

            var renewed = Served.awaitSerial(trust, https, "shop.test", issued, app::isAlive, () -> Served.log(log));
            assertThat(renewed).isNotEqualTo(issued);
            assertThat(app.isAlive()).as("the same process").isTrue();
            assertThat(Files.readString(log)).contains("Renewed certificate shop")
                    .doesNotContain("closed CertificateManager");
        } finally {
            app.destroy();
            assertThat(app.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    private FreshProject writeProject(Pebble pebble, int https) throws IOException {
        var block = Readme.block("java", "SSLContext tls = manager.sslContext();");
        block = Readme.replace(block, "CertificateAuthority.LETS_ENCRYPT_STAGING", "CertificateAuthority.of(\""
                + pebble.directory() + "\").withTrustedCertificates(Path.of(\"" + pebble.listenerCaFile() + "\"))");
        block = Readme.replace(block, "\"shop.example.com\", \"www.shop.example.com\"",
                "\"shop.test\", \"www.shop.test\"");
        block = Readme.replace(block, "Path.of(\"/var/lib/myapp/certpilot\")", "Path.of(\"storage\")");
        block = Readme.replace(block, "// ... start your HTTPS server with `tls`", """
                var server = HttpsServer.create(new InetSocketAddress("127.0.0.1", %d), 0);
                server.setHttpsConfigurator(new HttpsConfigurator(tls));
                server.createContext("/", exchange -> respond(exchange, 200, "hello over HTTPS"));
                server.start();
                var plain = HttpServer.create(new InetSocketAddress("127.0.0.1", %d), 0);
                plain.createContext("/.well-known/acme-challenge/", exchange -> {
                    var host = exchange.getRequestHeaders().getFirst("Host").replaceFirst(":\\\\d+$", "");
                    var token = exchange.getRequestURI().getPath().substring(28);
                    var answer = http01.keyAuthorization(host, token);
                    respond(exchange, answer.isPresent() ? 200 : 404, answer.orElse(""));
                });
                plain.start();
                //""".formatted(https, pebble.httpPort()));
        var main = """
                import java.net.InetSocketAddress;
                import java.nio.charset.StandardCharsets;
                import java.nio.file.Path;
                import java.time.Duration;
                import javax.net.ssl.SSLContext;
                import com.sun.net.httpserver.HttpExchange;
                import com.sun.net.httpserver.HttpServer;
                import com.sun.net.httpserver.HttpsConfigurator;
                import com.sun.net.httpserver.HttpsServer;
                import dev.certpilot.core.CertificateAuthority;
                import dev.certpilot.core.CertificateManager;
                import dev.certpilot.core.InMemoryHttp01Responder;

                public class Main {
                    public static void main(String[] args) throws Exception {
                %s
                    }

                    static void respond(HttpExchange exchange, int status, String body) throws java.io.IOException {
                        var bytes = body.getBytes(StandardCharsets.UTF_8);
                        exchange.getResponseHeaders().set("Content-Type", "text/plain");
                        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
                        exchange.getResponseBody().write(bytes);
                        exchange.close();
                    }
                }
                """.formatted(block.indent(8));
        return FreshProject.write(project, List.of("certpilot-core"), main);
    }
}

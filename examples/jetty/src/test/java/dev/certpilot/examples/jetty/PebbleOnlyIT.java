package dev.certpilot.examples.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.test.Curl;
import dev.certpilot.test.Http01Server;

/**
 * {@code ./demo --pebble-only} prints what an application needs to try its own setup against Pebble by hand; an
 * application configured with exactly the printed values (and nothing else of Pebble's) gets a certificate that
 * curl, given the printed root, trusts.
 */
class PebbleOnlyIT {

    @TempDir
    Path storage;

    @Test
    void anApplicationConfiguredWithWhatItPrintsGetsACertificateThatCurlTrusts() throws Exception {
        var printed = new ByteArrayOutputStream();
        try (var pebble = Demo.pebbleOnly(new PrintStream(printed, true, StandardCharsets.UTF_8))) {
            var text = printed.toString(StandardCharsets.UTF_8);
            var directory = value(text, "ACME directory\\s+(\\S+)");
            var trust = value(text, "its TLS, trusted by\\s+(\\S+)");
            var httpPort = Integer.parseInt(value(text, "HTTP-01 validated on\\s+127\\.0\\.0\\.1:(\\d+)"));
            var root = value(text, "issued certificates\\s+chain to (\\S+)");
            assertThat(text).contains("certpilot.ca=" + directory, "caTrust=\"" + trust + "\"");

            var http01 = new InMemoryHttp01Responder();
            try (var challenges = Http01Server.start(httpPort, http01::keyAuthorization);
                 var manager = CertificateManager.builder()
                         .certificateAuthority(CertificateAuthority.of(directory)
                                 .withTrustedCertificates(Path.of(trust)))
                         .agreeToTermsOfService().domain("shop.test").challenges(http01).storageDirectory(storage)
                         .build()) {
                manager.start();
                manager.awaitCertificates(Duration.ofSeconds(60));
                var https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
                https.setHttpsConfigurator(new HttpsConfigurator(manager.sslContext()));
                https.createContext("/", exchange -> {
                    exchange.sendResponseHeaders(200, 2);
                    exchange.getResponseBody().write("ok".getBytes(StandardCharsets.US_ASCII));
                    exchange.close();
                });
                https.start();
                try {
                    var page = Curl.get(URI.create("https://shop.test:" + https.getAddress().getPort() + "/"),
                            Path.of(root));
                    assertThat(page.exitCode()).as("curl --cacert <the printed root>: %s", page.error()).isZero();
                    assertThat(page.body()).isEqualTo("ok");
                } finally {
                    https.stop(0);
                }
            }
        }
    }

    private static String value(String text, String pattern) {
        var matcher = Pattern.compile(pattern).matcher(text);
        assertThat(matcher.find()).as("'%s' in:\n%s", pattern, text).isTrue();
        return matcher.group(1);
    }
}

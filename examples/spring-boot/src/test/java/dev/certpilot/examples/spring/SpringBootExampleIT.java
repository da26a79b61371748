package dev.certpilot.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.boot.web.server.context.WebServerApplicationContext;

import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.SerialNumbers;
import dev.certpilot.test.Curl;
import dev.certpilot.test.HeadlessChromium;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.TestSsl;
import dev.certpilot.test.PebbleExtension;
import dev.certpilot.test.TlsClient;
import dev.certpilot.test.spring.PebbleProperties;

/** The Spring Boot example, started as an application with its real embedded Tomcat, against a real Pebble. */
class SpringBootExampleIT {

    @RegisterExtension
    static final PebbleExtension PEBBLE = new PebbleExtension();

    @TempDir
    Path storage;

    @Test
    void tomcatServesTheIssuedCertificateAndSwapsItOnRenewal(Pebble pebble) throws Exception {
        try (var context = start(pebble, "boot.certpilot.test")) {
            var manager = context.getBean(CertificateManager.class);
            manager.awaitCertificates(Duration.ofSeconds(60));
            var port = ((WebServerApplicationContext) context).getWebServer().getPort();
            var trust = TlsClient.trusting(pebble.root());

            var issued = manager.certificate("boot.certpilot.test").orElseThrow();
            try (var client = TlsClient.connect(trust, port, "boot.certpilot.test")) {
                assertThat(client.leaf().getSerialNumber()).as("the bootstrap certificate was swapped for the CA's")
                        .isEqualTo(issued.serialNumber());
                assertThat(client.get("boot.certpilot.test", "/status"))
                        .contains("\"serial\":\"" + SerialNumbers.hex(issued.serialNumber()) + "\"")
                        .contains("\"bootstrap\":false").contains("\"nextCheck\":\"");
            }

            var renewed = manager.renewNow("boot.certpilot.test");

            try (var client = TlsClient.connect(trust, port, "boot.certpilot.test")) {
                assertThat(client.leaf().getSerialNumber()).as("hot-swapped without a restart")
                        .isEqualTo(renewed.serialNumber()).isNotEqualTo(issued.serialNumber());
            }
            var status = URI.create("https://boot.certpilot.test:" + port + "/status");
            var curl = Curl.get(status, pebble.rootFile());
            assertThat(curl.exitCode()).as(curl.error()).isZero();
            assertThat(curl.httpVersion()).as("HTTP/2 through ALPN").isEqualTo("2");
            assertThat(curl.body()).contains("\"serial\":\"" + SerialNumbers.hex(renewed.serialNumber()) + "\"");
            assertThat(curl.header("strict-transport-security")).hasValue("max-age=300");
            try (var browser = HeadlessChromium.trusting(pebble.root())) {
                assertThat(browser.load(status)).contains(SerialNumbers.hex(renewed.serialNumber()));
            }

            var http = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:"
                    + pebble.httpPort() + "/.well-known/acme-challenge/unknown")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(http.statusCode()).as("the filter answers on the HTTP connector").isEqualTo(404);
            assertThat(http.body()).contains("No pending ACME challenge");
            assertThat(http.headers().firstValue("Strict-Transport-Security")).as("never over plain HTTP").isEmpty();
        }
    }

    @Test
    void tomcatUsesCertpilotsStrictSuitesInTheServersOrder(Pebble pebble) throws Exception {
        try (var context = start(pebble, "strict.certpilot.test")) {
            context.getBean(CertificateManager.class).awaitCertificates(Duration.ofSeconds(60));
            var port = ((WebServerApplicationContext) context).getWebServer().getPort();
            var trust = TlsClient.trusting(pebble.root());

            assertThatThrownBy(() -> connectWith(trust, port, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256").close())
                    .as("CBC, which the JVM's defaults allow").isInstanceOf(SSLHandshakeException.class);
            assertThatThrownBy(() -> connectWith(trust, port, "TLS_RSA_WITH_AES_128_GCM_SHA256").close())
                    .as("no forward secrecy").isInstanceOf(SSLHandshakeException.class);
            try (var client = connectWith(trust, port, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
                    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")) {
                assertThat(client.socket().getSession().getCipherSuite()).as("the server's order wins")
                        .isEqualTo("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
            }
        }
    }

    @Test
    void tomcatGradesAPlusLikeTheNginxRecipeWithHsts(Pebble pebble) throws Exception {
        try (var context = start(pebble, "graded.certpilot.test", "--certpilot.hsts.max-age=365d")) {
            context.getBean(CertificateManager.class).awaitCertificates(Duration.ofSeconds(60));
            var port = ((WebServerApplicationContext) context).getWebServer().getPort();

            var scan = TestSsl.scan("graded.certpilot.test", port, pebble.rootFile());

            System.out.printf("TLS grade: certpilot Spring Boot example %s %s%n", scan.grade(), scan.problems());
            assertThat(scan.grade()).as("what the nginx recipe grades in the Jetty example's TlsGradeIT")
                    .isEqualTo("A+");
            assertThat(scan.problems()).isEmpty();
        }
    }

    /** The example as its users run it, pointed at Pebble by the starter's test support. */
    private ConfigurableApplicationContext start(Pebble pebble, String domain, String... more) {
        return SpringApplication.run(SpringBootExample.class, PebbleProperties.arguments(pebble, storage,
                Stream.concat(Stream.of("--server.port=0", "--certpilot.domains=" + domain), Stream.of(more))
                        .toArray(String[]::new)));
    }

    private static TlsClient connectWith(SSLContext trust, int port, String... suites) throws Exception {
        return TlsClient.connect(trust, port, "strict.certpilot.test", socket -> {
            socket.setEnabledProtocols(new String[] {"TLSv1.2"});
            socket.setEnabledCipherSuites(suites);
        });
    }
}

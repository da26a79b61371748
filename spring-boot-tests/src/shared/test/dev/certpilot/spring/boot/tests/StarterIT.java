package dev.certpilot.spring.boot.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.json.JsonParserFactory;
import org.springframework.context.ConfigurableApplicationContext;

import dev.certpilot.core.SerialNumbers;
import dev.certpilot.test.Curl;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.PebbleExtension;
import dev.certpilot.test.TlsClient;
import dev.certpilot.test.spring.PebbleProperties;

/**
 * {@link TestApplication} with nothing but the starter and its properties, on the embedded server of this module
 * ({@code certpilot.test.server}) and the Boot line of this module, against a real Pebble whose certificates last
 * 60 seconds: it serves Pebble's certificates, two of them by SNI, then their renewals without a restart, with
 * health, the endpoint and metrics read from actuator over HTTPS, and plain HTTP answered by the front door.
 */
class StarterIT {

    private static final String HOST = "app.certpilot.test";
    /** A second certificate, named "shop", served by SNI beside the default one. */
    private static final String SHOP = "shop.certpilot.test";
    private static final Pattern VALUE = Pattern.compile("\"value\":([-0-9.E]+)");

    @RegisterExtension
    static final PebbleExtension PEBBLE = PebbleExtension.withSettings(b -> b
            .certificateValidity(Duration.ofSeconds(60)).nonceRejectPercent(0));

    @TempDir
    Path storage;

    @Test
    void servesTheCasCertificateAndItsRenewalWithoutRestartWithHealthAndMetrics() throws Exception {
        var pebble = PEBBLE.pebble();
        var server = System.getProperty("certpilot.test.server", "unset");
        var challenge = System.getProperty("certpilot.test.challenge", "http-01");
        var arguments = PebbleProperties.arguments(pebble, storage, "--certpilot.challenges=" + challenge,
                "--spring.config.additional-location=file:" + readmeProperties(),
                // tls-alpn-01 is validated on the port Pebble connects to: the HTTPS port must be that one
                "--server.port=" + (challenge.equals("tls-alpn-01") ? pebble.tlsPort() : 0),
                // renew when 48 of the 60 seconds are left: 7 to 12 s after issuance, spread included
                "--certpilot.renewal.window=0.8",
                "--certpilot.certificates[0].name=shop", "--certpilot.certificates[0].domains=" + SHOP);

        try (var app = SpringApplication.run(TestApplication.class, arguments)) {
            assertThat(webServer(app)).as("the module's only server").containsIgnoringCase(server);
            int port = app.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
            var trust = TlsClient.trusting(pebble.root());

            var issued = awaitServedSerial(trust, port, HOST, null, Duration.ofSeconds(60));
            var serial = SerialNumbers.hex(issued);
            var shopIssued = awaitServedSerial(trust, port, SHOP, null, Duration.ofSeconds(60));
            assertThat(shopIssued).as("each name its own certificate, by SNI").isNotEqualTo(issued);

            var hello = https(pebble, port, "/hello");
            assertThat(hello.body()).isEqualTo("hello over HTTPS");
            assertThat(hello.httpVersion()).as("HTTP/2 through ALPN, curl's default").isEqualTo("2");
            assertThat(hello.header("strict-transport-security")).hasValue("max-age=300");

            var health = https(pebble, port, "/actuator/health");
            assertThat(health.status()).as(health.body()).isEqualTo(200);
            var json = JsonParserFactory.getJsonParser().parseMap(health.body());
            assertThat(json.get("status")).as("the app's health, with a CA certificate served").isEqualTo("UP");
            var certpilot = (Map<?, ?>) ((Map<?, ?>) json.get("components")).get("certpilot");
            assertThat(certpilot.get("status")).isEqualTo("UP");
            assertThat(((Map<?, ?>) json.get("components")).get("ssl")).as("Boot's own ssl health").isNotNull();
            assertThat(health.body()).as("Boot's own ssl health reads the bundle: the CA's certificate, not the "
                    + "bootstrap one").doesNotContain("certpilot bootstrap").contains(HOST);
            var certificate = (Map<?, ?>) ((Map<?, ?>) certpilot.get("details")).get(HOST);
            assertThat(certificate.get("serial")).isEqualTo(serial);
            assertThat(certificate.get("bootstrap")).isEqualTo(false);
            var readiness = https(pebble, port, "/actuator/health/readiness");
            assertThat(readiness.status()).as("the README's readiness group: " + readiness.body()).isEqualTo(200);
            assertThat(readiness.body()).contains("\"status\":\"UP\"");
            assertThat(https(pebble, port, "/actuator/certpilot").body()).contains("\"name\":\"" + HOST + "\"")
                    .contains("\"serial\":\"" + serial + "\"").contains("\"nextCheck\":\"");
            assertThat(metric(pebble, port, "certpilot.orders?tag=result:obtained")).isEqualTo(2.0);
            assertThat(metric(pebble, port, "certpilot.certificate.expiry?tag=certificate:" + HOST))
                    .isBetween(1.0, 60.0);

            var redirect = Curl.get(URI.create("http://" + HOST + ":" + pebble.httpPort() + "/hello?a=1"),
                    pebble.rootFile());
            assertThat(redirect.status()).isEqualTo(308);
            assertThat(redirect.header("location")).hasValue("https://" + HOST + ":" + port + "/hello?a=1");
            var misdirected = Curl.get(URI.create("http://elsewhere.test:" + pebble.httpPort() + "/"),
                    pebble.rootFile());
            assertThat(misdirected.status()).as("not a host this app serves").isEqualTo(421);
            var unknownToken = Curl.get(URI.create("http://" + HOST + ":" + pebble.httpPort()
                    + "/.well-known/acme-challenge/unknown-token"), pebble.rootFile());
            assertThat(unknownToken.status()).isEqualTo(404);
            // the same front door on every server: disguised and malformed challenge requests are refused
            var plain = "http://" + HOST + ":" + pebble.httpPort();
            assertThat(Curl.get(URI.create(plain + "/.well-known/acme-challenge/../hello"), pebble.rootFile(),
                    "--path-as-is").status()).as("dot segments").isEqualTo(400);
            assertThat(Curl.get(URI.create(plain + "/.WELL-KNOWN/acme-challenge/x"), pebble.rootFile()).status())
                    .as("other case").isEqualTo(400);
            assertThat(Curl.get(URI.create(plain + "/.well-known/acme-challenge/not!base64"), pebble.rootFile())
                    .status()).as("a token that is not base64url").isEqualTo(400);
            assertThat(Curl.get(URI.create(plain + "/.well-known/acme-challenge/abc"), pebble.rootFile(),
                    "-X", "POST").status()).as("a method other than GET and HEAD").isEqualTo(405);

            var renewed = awaitServedSerial(trust, port, HOST, issued, Duration.ofSeconds(75));
            assertThat(renewed).as("the renewal, served by the same server").isNotEqualTo(issued);
            var shopRenewed = awaitServedSerial(trust, port, SHOP, shopIssued, Duration.ofSeconds(75));
            assertThat(shopRenewed).as("the other name's renewal, by SNI too").isNotEqualTo(shopIssued);
            // each renews every 7 to 12 s from now on: at least these two renewals, and health follows them
            assertThat(metric(pebble, port, "certpilot.orders?tag=result:renewed")).isGreaterThanOrEqualTo(2.0);
            assertThat(metric(pebble, port, "certpilot.orders?tag=result:failed")).isZero();
            assertThat(https(pebble, port, "/actuator/health").body()).contains("\"serial\":\"")
                    .doesNotContain(SerialNumbers.hex(issued)).doesNotContain(SerialNumbers.hex(shopIssued));

            // renew now, as the README shows: POST /actuator/certpilot/{name} answers once the new one is served
            var forced = Curl.get(URI.create("https://" + HOST + ":" + port + "/actuator/certpilot/shop"),
                    pebble.rootFile(), "-X", "POST");
            assertThat(forced.status()).as(forced.body()).isEqualTo(200);
            var forcedSerial = JsonParserFactory.getJsonParser().parseMap(forced.body()).get("serial");
            try (var client = TlsClient.connect(trust, port, SHOP)) {
                assertThat(SerialNumbers.hex(client.leaf().getSerialNumber())).as("served at once")
                        .isEqualTo(forcedSerial);
            }
            assertThat(Curl.get(URI.create("https://" + HOST + ":" + port + "/actuator/certpilot/nothing"),
                    pebble.rootFile(), "-X", "POST").status()).as("no such certificate").isEqualTo(404);
        }
    }

    /**
     * Waits until the server presents, for SNI {@code host}, a certificate that chains to Pebble's root, names
     * {@code host} and is not {@code previous}.
     */
    private static BigInteger awaitServedSerial(SSLContext trust, int port, String host, BigInteger previous,
                                                Duration timeout) throws Exception {
        var deadline = Instant.now().plus(timeout);
        String last = "nothing";
        while (Instant.now().isBefore(deadline)) {
            try (var client = TlsClient.connect(trust, port, host)) {
                var serial = client.leaf().getSerialNumber();
                var names = client.leaf().getSubjectAlternativeNames().stream().map(name -> name.get(1)).toList();
                if (!names.contains(host)) {
                    last = "a certificate for " + names;
                } else if (!serial.equals(previous)) {
                    return serial;
                } else {
                    last = "the previous certificate";
                }
            } catch (SSLException e) {
                last = "a certificate the client refused (the bootstrap one, or one for another name): "
                        + e.getMessage();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(250);
        }
        throw new AssertionError("No new certificate from Pebble after " + timeout + "; served " + last);
    }

    private static Curl.Response https(Pebble pebble, int port, String path) {
        var response = Curl.get(URI.create("https://" + HOST + ":" + port + path), pebble.rootFile());
        assertThat(response.exitCode()).as(response.error()).isZero();
        return response;
    }

    /**
     * The README's {@code application.properties} block as a user copies it, with the names replaced by this
     * test's; the test's own arguments (Pebble, ports) override the rest, as a profile would.
     */
    private Path readmeProperties() throws IOException {
        var readme = Files.readString(Path.of("../../README.md"));
        var matcher = Pattern.compile("```properties\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        String block = null;
        while (matcher.find()) {
            if (matcher.group(1).contains("certpilot.accept-terms=true")
                    && matcher.group(1).contains("management.endpoint.health.group.readiness")) {
                block = matcher.group(1);
            }
        }
        assertThat(block).as("the README's application.properties block").isNotNull();
        var names = "certpilot.domains=example.com,www.example.com";
        assertThat(block).contains(names);
        var file = storage.resolve("readme.properties");
        Files.writeString(file, block.replace(names, "certpilot.domains=" + HOST));
        return file;
    }

    private static double metric(Pebble pebble, int port, String query) {
        var body = https(pebble, port, "/actuator/metrics/" + query).body();
        var value = VALUE.matcher(body);
        assertThat(value.find()).as(body).isTrue();
        return Double.parseDouble(value.group(1));
    }

    private static String webServer(ConfigurableApplicationContext app) throws ReflectiveOperationException {
        // getWebServer() is on a class that Boot 4 moved: read it reflectively, in this test only
        var webServer = app.getClass().getMethod("getWebServer").invoke(app);
        return webServer.getClass().getSimpleName().toLowerCase(Locale.ROOT);
    }
}

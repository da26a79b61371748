package dev.certpilot.examples.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.core.SerialNumbers;
import dev.certpilot.test.Curl;
import dev.certpilot.test.HeadlessChromium;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.PebbleExtension;
import dev.certpilot.test.TlsClient;

/** The example app and the demo, started as a user would, against a real Pebble. */
class JettyExampleIT {

    @RegisterExtension
    static final PebbleExtension PEBBLE = new PebbleExtension();

    @TempDir
    Path storage;

    @Test
    void browsersAndCurlGetTheIssuedPageOverHttp2BeforeAndAfterARenewal(Pebble pebble) throws Exception {
        var options = Options.parse(new String[] {"--domain", "example.certpilot.test", "--acme-directory",
            pebble.directory().toString(), "--acme-trust", pebble.listenerCaFile().toString(), "--storage",
            storage.toString(), "--host", "127.0.0.1", "--http-port", String.valueOf(pebble.httpPort()),
            "--https-port", "0"}, Map.of());
        try (var example = JettyExample.start(options);
             var browser = HeadlessChromium.trusting(pebble.root())) {
            example.manager().awaitCertificates(Duration.ofSeconds(60));
            var url = URI.create("https://example.certpilot.test:" + example.httpsPort() + "/");

            var first = example.manager().certificate("example.certpilot.test").orElseThrow();
            assertThat(first.leaf().getIssuerX500Principal().getName()).contains("Pebble Intermediate");
            var served = "HTTP/2.0 over TLSv1.3, certificate serial " + SerialNumbers.hex(first.serialNumber());
            var curl = Curl.get(url, pebble.rootFile());
            assertThat(curl.exitCode()).as(curl.error()).isZero();
            assertThat(curl.httpVersion()).isEqualTo("2");
            assertThat(curl.body()).contains(served).contains("Pebble Intermediate").contains("Next check");
            assertThat(curl.header("strict-transport-security")).hasValue("max-age=300");
            assertThat(browser.load(url)).contains(served);

            var renewed = example.manager().renewNow("example.certpilot.test");

            var servedNow = "HTTP/2.0 over TLSv1.3, certificate serial " + SerialNumbers.hex(renewed.serialNumber());
            assertThat(renewed.serialNumber()).isNotEqualTo(first.serialNumber());
            assertThat(Curl.get(url, pebble.rootFile()).body()).contains(servedNow);
            assertThat(browser.load(url)).contains(servedNow);
            assertThat(Curl.get(url, pebble.rootFile(), "--no-alpn").body())
                    .contains("HTTP/1.1 over TLSv1.3, certificate serial " + SerialNumbers.hex(renewed.serialNumber()));
        }
    }

    @Test
    void upperCaseAndUnicodeDomainsAreServedUnderANameDerivedFromThem(Pebble pebble) throws Exception {
        var options = Options.parse(new String[] {"--domain", "Shop.Certpilot.TEST", "--domain",
            "bücher.certpilot.test", "--acme-directory", pebble.directory().toString(), "--acme-trust",
            pebble.listenerCaFile().toString(), "--storage", storage.toString(), "--host", "127.0.0.1",
            "--http-port", String.valueOf(pebble.httpPort()), "--https-port", "0"}, Map.of());
        try (var example = JettyExample.start(options)) {
            example.manager().awaitCertificates(Duration.ofSeconds(60));

            var bundle = example.manager().certificate("shop.certpilot.test").orElseThrow();
            assertThat(bundle.domains()).containsExactly("shop.certpilot.test", "xn--bcher-kva.certpilot.test");
            var page = Curl.get(URI.create("https://xn--bcher-kva.certpilot.test:" + example.httpsPort() + "/"),
                    pebble.rootFile());
            assertThat(page.body()).contains("certificate serial " + SerialNumbers.hex(bundle.serialNumber()));
        }
    }

    @Test
    void startUpErrorsNameTheFlagWithoutAStackTrace(Pebble pebble) throws Exception {
        try (var taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            var options = new Options(List.of("busy.certpilot.test"), pebble.directory(), pebble.listenerCaFile(), null,
                    storage.toString(), "127.0.0.1", 0, taken.getLocalPort(), 0, false, Options.DEFAULT_HSTS, "http-01",
                Options.DEFAULT_LEASE, null, null, List.of(), null, null, null, List.of(), null);

            var failure = catchThrowableOfType(Exception.class, () -> JettyExample.start(options).close());

            assertThat(JettyExample.startupError(options, failure))
                    .startsWith("Cannot listen on --https-port " + taken.getLocalPort() + " at --host 127.0.0.1")
                    .contains("Stop what listens there or choose another port");
        }
        var wildcard = new Options(List.of("*.certpilot.test"), pebble.directory(), pebble.listenerCaFile(), null,
                storage.toString(), "127.0.0.1", 0, 0, 0, false, Options.DEFAULT_HSTS, "http-01",
                Options.DEFAULT_LEASE, null, null, List.of(), null, null, null, List.of(), null);
        var failure = catchThrowableOfType(Exception.class, () -> JettyExample.start(wildcard).close());
        assertThat(JettyExample.startupError(wildcard, failure)).contains("*.certpilot.test").contains("dns-01")
                .doesNotContain("storage");
    }

    @Test
    void theExampleAnswersTlsAlpn01OnItsHttpsPortAlone(Pebble pebble) throws Exception {
        var options = new Options(List.of("alpn.certpilot.test"), pebble.directory(), pebble.listenerCaFile(), null,
                storage.toString(), "127.0.0.1", 0, pebble.tlsPort(), 0, false, Options.DEFAULT_HSTS, "tls-alpn-01",
                Options.DEFAULT_LEASE, null, null, List.of(), null, null, null, List.of(), null);
        try (var example = JettyExample.start(options)) {
            example.manager().awaitCertificates(Duration.ofSeconds(60));

            try (var client = TlsClient.connect(TlsClient.trusting(pebble.root()), pebble.tlsPort(),
                    "alpn.certpilot.test")) {
                assertThat(client.get("alpn.certpilot.test", "/")).contains(SerialNumbers.hex(client.leaf().getSerialNumber()));
            }
            try (var client = TlsClient.connect(TlsClient.trusting(pebble.root()), pebble.tlsPort(),
                    "alpn.certpilot.test")) {
                assertThat(client.get("alpn.certpilot.test", "/ready")).as("the readiness path").isEqualTo("ready\n");
            }
            // a visitor who types http:// is redirected, not refused
            try (var socket = new java.net.Socket("127.0.0.1", example.httpPort())) {
                socket.getOutputStream().write(("GET /cart HTTP/1.1\r\nHost: alpn.certpilot.test\r\n"
                        + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                var answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                assertThat(answer).startsWith("HTTP/1.1 308").containsIgnoringCase("Location: https://"
                        + "alpn.certpilot.test:" + pebble.tlsPort() + "/cart");
            }
        }
    }

    @Test
    void theExampleObtainsOnDemandForTheAllowedSuffixAndRefusesOtherNames(Pebble pebble) throws Exception {
        var options = Options.parse(new String[] {"--on-demand-allow", ".customers.certpilot.test",
                "--acme-directory", pebble.directory().toString(), "--acme-trust", pebble.listenerCaFile().toString(),
                "--storage", storage.toString(), "--host", "127.0.0.1", "--https-port", String.valueOf(pebble.tlsPort()),
                "--challenge", "tls-alpn-01"}, Map.of());
        try (var example = JettyExample.start(options)) {
            var allowed = Curl.get(URI.create("https://shop.customers.certpilot.test:" + pebble.tlsPort() + "/"),
                    pebble.rootFile());
            assertThat(allowed.exitCode()).as(allowed.error()).isZero();
            assertThat(allowed.body()).contains(SerialNumbers.hex(example.manager()
                    .certificate("shop.customers.certpilot.test").orElseThrow().serialNumber()));

            var refused = Curl.get(URI.create("https://other.certpilot.test:" + pebble.tlsPort() + "/"),
                    pebble.rootFile());
            assertThat(refused.exitCode()).as("no certificate for a name outside the suffix").isNotZero();
            assertThat(example.manager().managedCertificates()).extracting(c -> c.name())
                    .containsExactly("shop.customers.certpilot.test");
        }
    }

    @Test
    void theDemoShowsEachStepAndANewSerialAfterTheRenewalThenStopsEverything() throws Exception {
        var before = pebbleProcesses();
        Path storageOfDemo;
        var output = new ByteArrayOutputStream();
        try (var demo = Demo.run(new PrintStream(output, true, StandardCharsets.UTF_8))) {
            assertThat(pebbleProcesses()).as("the demo's Pebble and its DNS server are running")
                    .hasSize(before.size() + 2).containsAll(before);
            var text = output.toString(StandardCharsets.UTF_8);
            assertThat(text).contains("== 1.", "== 2.", "== 3.", "== 4.", "== 5.", "event: obtained serial",
                    "event: renewed: serial", " HTTP/2.0 200: the page says \"This connection: HTTP/2.0 over TLSv1.3", "The same process now serves serial")
                    .doesNotContain("!!");
            assertThat(demo.pebble().log()).isNotEmpty();
            assertThat(demo.storage()).isDirectory();
            storageOfDemo = demo.storage();
        }
        assertThat(storageOfDemo).as("no private keys left behind").doesNotExist();
        assertThat(pebbleProcesses()).as("no Pebble process left behind").containsExactlyInAnyOrderElementsOf(before);
    }

    /** Pebble processes started by this JVM (the test class's own among them). */
    private static List<ProcessHandle> pebbleProcesses() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().orElse("").contains("pebble")).toList();
    }
}

package dev.certpilot.examples.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

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
    void theExampleServesAnIssuedCertificateAndShowsItOnItsPage(Pebble pebble) throws Exception {
        var options = Options.parse(new String[] {"--domain", "example.certpilot.test", "--acme-directory",
            pebble.directory().toString(), "--acme-trust", pebble.listenerCaFile().toString(), "--storage",
            storage.toString(), "--http-port", String.valueOf(pebble.httpPort()), "--https-port", "0"}, java.util.Map.of());
        try (var example = JettyExample.start(options)) {
            example.manager().awaitCertificates(Duration.ofSeconds(60));

            try (var client = TlsClient.connect(TlsClient.trusting(pebble.root()), example.httpsPort(),
                    "example.certpilot.test")) {
                var serial = client.leaf().getSerialNumber();
                assertThat(client.leaf().getIssuerX500Principal().getName()).contains("Pebble Intermediate");
                assertThat(serial).isEqualTo(example.manager().certificate("example.certpilot.test").orElseThrow()
                        .serialNumber());
                var page = client.get("example.certpilot.test", "/");
                assertThat(page).contains("<td>" + serial.toString(16) + "</td>").contains("Pebble Intermediate")
                        .contains("Next check");
            }
        }
    }

    @Test
    void theExampleAnswersTlsAlpn01OnItsHttpsPortAlone(Pebble pebble) throws Exception {
        var options = new Options(List.of("alpn.certpilot.test"), pebble.directory(), pebble.listenerCaFile(), null,
                storage, 0, pebble.tlsPort(), "tls-alpn-01");
        try (var example = JettyExample.start(options)) {
            example.manager().awaitCertificates(Duration.ofSeconds(60));

            try (var client = TlsClient.connect(TlsClient.trusting(pebble.root()), pebble.tlsPort(),
                    "alpn.certpilot.test")) {
                assertThat(client.get("alpn.certpilot.test", "/")).contains(client.leaf().getSerialNumber()
                        .toString(16));
            }
        }
    }

    @Test
    void theDemoShowsEachStepAndANewSerialAfterTheRenewalThenStopsEverything() throws Exception {
        var before = pebbleProcesses();
        var output = new ByteArrayOutputStream();
        try (var demo = Demo.run(new PrintStream(output, true, StandardCharsets.UTF_8))) {
            assertThat(pebbleProcesses()).as("the demo's Pebble and its DNS server are running")
                    .hasSize(before.size() + 2).containsAll(before);
            var text = output.toString(StandardCharsets.UTF_8);
            assertThat(text).contains("== 1.", "== 2.", "== 3.", "== 4.", "== 5.", "event: obtained serial",
                    "event: renewed: serial", "HTTP 200 over TLSv1.3", "The same process now serves serial")
                    .doesNotContain("!!");
            assertThat(demo.pebble().log()).isNotEmpty();
        }
        assertThat(pebbleProcesses()).as("no Pebble process left behind").containsExactlyInAnyOrderElementsOf(before);
    }

    /** Pebble processes started by this JVM (the test class's own among them). */
    private static List<ProcessHandle> pebbleProcesses() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().orElse("").contains("pebble")).toList();
    }
}

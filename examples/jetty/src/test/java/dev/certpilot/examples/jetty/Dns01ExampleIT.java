package dev.certpilot.examples.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.test.Bind;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.TlsClient;

/**
 * The example run as README shows for a wildcard, {@code --challenge dns-01} with RFC 2136 flags, against a real
 * BIND 9 that is the primary of the zone and the resolver Pebble validates through.
 */
class Dns01ExampleIT {

    @TempDir
    Path storage;

    @Test
    void getsAWildcardAndItsApexWithTheDns01Flags() throws Exception {
        try (var bind = Bind.start("wild.test");
             var pebble = Pebble.builder().dnsServer(bind.address()).nonceRejectPercent(0).start()) {
            var server = "127.0.0.1:" + bind.port();
            var options = Options.parse(new String[] {"--domain", "wild.test", "--domain", "*.wild.test",
                    "--challenge", "dns-01", "--dns-server", server, "--dns-resolver", server,
                    "--acme-directory", pebble.directory().toString(),
                    "--acme-trust", pebble.listenerCaFile().toString(), "--storage", storage.toString(),
                    "--host", "127.0.0.1", "--https-port", "0", "--http-port", "0"},
                    Map.of("CERTPILOT_TSIG_KEY_NAME", bind.keyName(), "CERTPILOT_TSIG_KEY", bind.keySecret()));
            try (var example = JettyExample.start(options)) {
                example.manager().awaitCertificates(Duration.ofSeconds(90));
                var issued = example.manager().certificate("wild.test").orElseThrow();
                try (var client = TlsClient.connect(TlsClient.trusting(pebble.root()), example.httpsPort(),
                        "any-name.wild.test")) {
                    assertThat(client.leaf().getSerialNumber()).as("the wildcard serves a name never listed")
                            .isEqualTo(issued.serialNumber());
                }
            }
            assertThat(bind.log()).contains("updating zone 'wild.test/IN': adding an RR at '_acme-challenge.wild.test' TXT");
        }
    }
}

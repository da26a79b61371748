package dev.certpilot.examples.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.test.LoopbackPorts;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.PebbleExtension;

/**
 * {@code --check}: the example serves its challenge port, checks the domain as the CA will, prints each finding with
 * its fix and answers whether the CA would accept it, ordering nothing (counted in Pebble's log).
 */
class CheckIT {

    @RegisterExtension
    static final PebbleExtension PEBBLE = new PebbleExtension();

    @TempDir
    Path storage;

    private Options options(Pebble pebble, int httpPort) {
        return Options.parse(new String[] {"--domain", "127.0.0.1", "--acme-directory", pebble.directory().toString(),
                "--acme-trust", pebble.listenerCaFile().toString(), "--storage", storage.toString(),
                "--host", "127.0.0.1", "--http-port", String.valueOf(httpPort), "--https-port", "0"}, Map.of());
    }

    @Test
    void aReachableSetUpIsReadyAndOneWhoseChallengePortIsClosedIsNotWithTheFixAndNeitherOrders(Pebble pebble)
            throws Exception {
        var orders = orders(pebble);
        var httpPort = LoopbackPorts.free();
        var printed = new ByteArrayOutputStream();

        var ready = JettyExample.check(options(pebble, httpPort), JettyExample.checkSettings(Map.of(
                "CERTPILOT_CHECK_HTTP_PORT", String.valueOf(httpPort))), print(printed));

        assertThat(ready).isTrue();
        assertThat(printed.toString(StandardCharsets.UTF_8).lines().toList()).containsExactly(
                "PASSED HTTP_01 127.0.0.1: A 127.0.0.1 answers the probe",
                "Ready: the CA should accept [127.0.0.1]");

        var closed = LoopbackPorts.free();
        printed.reset();
        var notReady = JettyExample.check(options(pebble, httpPort), JettyExample.checkSettings(Map.of(
                "CERTPILOT_CHECK_HTTP_PORT", String.valueOf(closed))), print(printed));

        assertThat(notReady).isFalse();
        var lines = printed.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).startsWith("FAILED HTTP_01 127.0.0.1: A 127.0.0.1 does not answer on port " + closed)
                .contains(". Fix: Open port " + closed + " to this server at 127.0.0.1");
        assertThat(lines.get(1)).isEqualTo("Not ready: fix what FAILED above, then run --check again; no order was "
                + "placed");
        assertThat(orders(pebble)).as("orders Pebble received").isEqualTo(orders);
    }

    @Test
    void badCheckSettingsNameTheVariable() {
        assertThatThrownBy(() -> JettyExample.checkSettings(Map.of("CERTPILOT_CHECK_HTTP_PORT", "eighty")))
                .hasMessage("CERTPILOT_CHECK_HTTP_PORT must be a port, 1 to 65535, got 'eighty'");
        assertThatThrownBy(() -> JettyExample.checkSettings(Map.of("CERTPILOT_CHECK_TLS_PORT", "70000")))
                .hasMessage("CERTPILOT_CHECK_TLS_PORT must be a port, 1 to 65535, got '70000'");
        assertThatThrownBy(() -> JettyExample.checkSettings(Map.of("CERTPILOT_CHECK_RESOLVER", ":53")))
                .hasMessageStartingWith("CERTPILOT_CHECK_RESOLVER must be HOST or HOST:PORT");
    }

    @Test
    void onDemandAloneHasNoNameToCheck(Pebble pebble) {
        var options = Options.parse(new String[] {"--on-demand-allow", ".customers.test", "--acme-directory",
                pebble.directory().toString(), "--storage", storage.toString()}, Map.of());
        assertThatThrownBy(() -> JettyExample.check(options, JettyExample.checkSettings(Map.of()),
                print(new ByteArrayOutputStream()))).hasMessageStartingWith("--check checks the --domain names");
    }

    private static PrintStream print(ByteArrayOutputStream into) {
        return new PrintStream(into, true, StandardCharsets.UTF_8);
    }

    private static long orders(Pebble pebble) {
        return pebble.log().lines().filter(line -> line.contains("Added order")).count();
    }
}

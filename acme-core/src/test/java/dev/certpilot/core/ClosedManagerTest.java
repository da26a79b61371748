package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A manager closed while its server goes on (a try-with-resources around a server that starts in the background):
 * handshakes still get a certificate, and the first one says at WARN that nothing is renewed any more, once. With a
 * CA at the issuer boundary: nothing is ordered.
 */
class ClosedManagerTest {

    @TempDir
    Path storage;

    @Test
    void theFirstHandshakeAfterCloseWarnsOnceThatNothingIsRenewed() throws Exception {
        var issuer = new FakeIssuer(FakeCaManagers.CA, new MutableClock());
        var err = System.err;
        var captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try (var manager = FakeCaManagers.builder(storage, new MutableClock(), new EventLog(), issuer)
                .domain("shop.test").build();
             var server = new KeyManagerServer(manager)) {
            manager.prepare();
            assertThat(server.handshake("shop.test")).as("served while open").isPresent();
            assertThat(captured.toString(StandardCharsets.UTF_8)).doesNotContain("closed CertificateManager");

            manager.close();

            assertThat(server.handshake("shop.test")).as("still served after close").isPresent();
            assertThat(server.handshake("shop.test")).isPresent();
        } finally {
            System.setErr(err);
        }
        var log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log).contains("WARN dev.certpilot.renewal - A TLS handshake used the key manager of a closed "
                + "CertificateManager: its certificates are no longer renewed and will expire");
        assertThat(log.split("closed CertificateManager", -1)).as("once").hasSize(2);
    }
}

package dev.certpilot.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PebbleIT {

    @RegisterExtension
    static final PebbleExtension PEBBLE = PebbleExtension.withSettings(b -> b.nonceRejectPercent(0));

    @Test
    void directoryAnswersOverTlsTrustedThroughTheGeneratedListenerCa(Pebble pebble) throws Exception {
        var client = HttpClient.newBuilder().sslContext(pebble.sslContext()).build();

        var response = client.send(HttpRequest.newBuilder(pebble.directory()).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("newAccount", "newOrder");
        assertThat(pebble.directory().getHost()).isEqualTo("127.0.0.1");
    }

    @Test
    void issuingChainIsAvailableFromTheManagementApi(Pebble pebble) throws Exception {
        var root = pebble.root();
        var intermediate = pebble.intermediate();

        intermediate.verify(root.getPublicKey());
        root.verify(root.getPublicKey());
        assertThat(intermediate.getIssuerX500Principal()).isEqualTo(root.getSubjectX500Principal());
    }

    @Test
    void listenerCertificateIsNotTrustedByTheDefaultJdkTrustStore(Pebble pebble) {
        var client = HttpClient.newHttpClient();

        assertThatThrownBy(() -> client.send(HttpRequest.newBuilder(pebble.directory()).build(),
                HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
    }

    @Test
    void txtRecordsCanBeSetAndCleared(Pebble pebble) {
        pebble.setTxt("_acme-challenge.shop.test", "abc");
        pebble.clearTxt("_acme-challenge.shop.test.");

        assertThatThrownBy(() -> pebble.setTxt("bad name!", "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad name!");
    }

    @Test
    void validationPortsAreFreeForTheTestToBind(Pebble pebble) throws Exception {
        for (int port : new int[] {pebble.httpPort(), pebble.tlsPort()}) {
            try (var server = new java.net.ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
                assertThat(server.getLocalPort()).isEqualTo(port);
            }
        }
    }

    @Test
    void closeStopsThePebbleProcesses() throws Exception {
        URI directory;
        try (var own = Pebble.builder().nonceRejectPercent(0).start()) {
            directory = own.directory();
            try (var socket = new Socket(directory.getHost(), directory.getPort())) {
                assertThat(socket.isConnected()).isTrue();
            }
        }
        assertThatThrownBy(() -> new Socket(directory.getHost(), directory.getPort()).close())
                .isInstanceOf(java.net.ConnectException.class);
    }

    @Test
    void missingInstallationFailsWithTheInstallCommand(@org.junit.jupiter.api.io.TempDir java.nio.file.Path empty) {
        assertThatThrownBy(() -> Pebble.builder().installation(empty).start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'pebble' was not found in " + empty)
                .hasMessageContaining("apt-get install -y pebble");
    }

    @Test
    void invalidSettingsAreRejectedNamingTheField() {
        assertThatThrownBy(() -> Pebble.builder().nonceRejectPercent(101))
                .hasMessageContaining("nonceRejectPercent").hasMessageContaining("101");
        assertThatThrownBy(() -> Pebble.builder().externalAccountKey("kid 1", "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajV"))
                .hasMessageContaining("keyId");
    }
}

package dev.certpilot.dns.cloudflare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.dns.rfc2136.Rfc2136Dns01Responder;
import dev.certpilot.test.Bind;
import dev.certpilot.test.Pebble;

/**
 * The Cloudflare provider against a local stand-in of Cloudflare's API v4 ({@link CloudflareApiStandIn}): this machine
 * cannot reach Cloudflare. The stand-in writes each record it is given into a real BIND 9 that Pebble resolves
 * through, so a wildcard and its apex are issued only if the provider made the calls Cloudflare documents, with its
 * token. RFC 2136 against BIND remains the path proven against a real DNS server.
 */
class CloudflareAgainstLocalApiStandInIT {

    private static final String TOKEN = "test-token-0123456789";
    private static final String ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353";

    private static Bind bind;
    private static Pebble pebble;

    @TempDir
    Path storage;

    private CloudflareApiStandIn api;

    @BeforeAll
    static void startServers() {
        bind = Bind.start("zone.test");
        pebble = Pebble.builder().dnsServer(bind.address()).nonceRejectPercent(0).authorizationReusePercent(0).start();
    }

    @AfterAll
    static void stopServers() {
        if (pebble != null) {
            pebble.close();
        }
        if (bind != null) {
            bind.close();
        }
    }

    @BeforeEach
    void startApi() throws IOException {
        var rfc2136 = Rfc2136Dns01Responder.builder(bind.address()).resolver(bind.address())
                .nameserverPort(bind.port()).tsigKey(bind.keyName(), bind.keySecret()).build();
        api = new CloudflareApiStandIn(TOKEN, Map.of(ZONE_ID, "zone.test"), rfc2136);
    }

    @AfterEach
    void stopApi() {
        api.close();
    }

    private CloudflareDns01Responder.Builder responder(String token) {
        return CloudflareDns01Responder.builder(token).api(api.api()).propagationDelay(Duration.ZERO);
    }

    @Test
    void issuesAWildcardAndItsApexAndDeletesItsRecords() throws Exception {
        try (var manager = CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of(pebble.directory().toString())
                        .withTrustedCertificates(pebble.listenerCaFile()))
                .agreeToTermsOfService().certificate("wild", "zone.test", "*.zone.test")
                .challenges(responder(TOKEN).build()).storageDirectory(storage).build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(90));
            var issued = manager.certificate("wild").orElseThrow();
            assertThat(names(issued.leaf())).containsExactlyInAnyOrder("zone.test", "*.zone.test");
            assertThat(issued.isSelfSigned()).isFalse();
        }
        assertThat(api.calls).as("the zone found once, two records created and deleted by id")
                .containsOnlyOnce("GET zones").filteredOn(c -> c.startsWith("POST")).hasSize(2);
        assertThat(api.calls).filteredOn(c -> c.startsWith("DELETE zones/" + ZONE_ID + "/dns_records/")).hasSize(2);
        assertThat(api.records).as("nothing left behind").isEmpty();
        assertThat(bind.log()).contains("adding an RR at '_acme-challenge.zone.test' TXT")
                .contains("deleting an RR at _acme-challenge.zone.test TXT");
    }

    @Test
    void aRecordPublishedByAnotherInstanceIsFoundByNameAndValueAndDeleted() throws Exception {
        responder(TOKEN).build().publish("_acme-challenge.a.zone.test.", "from-before-a-restart");
        responder(TOKEN).zoneId(ZONE_ID).build().remove("_acme-challenge.a.zone.test.", "from-before-a-restart");

        assertThat(api.records).isEmpty();
        assertThat(api.calls).contains("GET zones/" + ZONE_ID + "/dns_records");
        responder(TOKEN).build().remove("_acme-challenge.a.zone.test.", "never-published"); // nothing to do
    }

    @Test
    void theCleanupDeletesOnlyARecordOfItsNameAndValueWhateverTheSearchReturns() throws Exception {
        responder(TOKEN).build().publish("_acme-challenge.a.zone.test.", "another-instances-value");
        responder(TOKEN).build().publish("_acme-challenge.b.zone.test.", "mine");
        api.searchIgnoresFilters = true;

        responder(TOKEN).zoneId(ZONE_ID).build().remove("_acme-challenge.b.zone.test.", "mine");

        assertThat(api.records.values()).extracting(CloudflareApiStandIn.Record::content)
                .as("the other record stays, although the search listed it first or not")
                .containsExactly("another-instances-value");
    }

    @Test
    void aRefusedTokenIsReportedWithCloudflaresErrorAndTheFixButNeverTheToken() {
        var wrong = "wrong-token-9876543210";
        assertThatThrownBy(() -> responder(wrong).zoneId(ZONE_ID).build()
                .publish("_acme-challenge.zone.test.", "value"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("Cannot create TXT _acme-challenge.zone.test in zone " + ZONE_ID)
                .hasMessageContaining("HTTP 403 (10000 Authentication error)")
                .hasMessageContaining("permission Zone.DNS:Edit")
                .hasMessageNotContaining(wrong);
    }

    @Test
    void aNameInNoZoneTheTokenSeesIsReported() {
        assertThatThrownBy(() -> responder(TOKEN).build().publish("_acme-challenge.shop.other.test.", "value"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("Cloudflare has no zone for _acme-challenge.shop.other.test");
        assertThat(api.calls).containsExactly("GET zones", "GET zones");
    }

    @Test
    void wrongSettingsAreRefusedAtOnce() {
        assertThatThrownBy(() -> CloudflareDns01Responder.builder(" ")).hasMessageContaining("Zone.DNS:Edit");
        assertThatThrownBy(() -> CloudflareDns01Responder.builder(TOKEN).zoneId("example.com"))
                .hasMessageContaining("32 hex digits");
        assertThatThrownBy(() -> CloudflareDns01Responder.builder(TOKEN).ttl(Duration.ofSeconds(5)))
                .hasMessageContaining("30 s to 1 day");
        assertThatThrownBy(() -> CloudflareDns01Responder.builder(TOKEN).api(URI.create(
                "http://cloudflare-proxy.internal/client/v4/"))).as("the token would travel in clear")
                .hasMessageContaining("must be https (http only to a loopback address)");
    }

    private static List<String> names(X509Certificate certificate) throws CertificateParsingException {
        return certificate.getSubjectAlternativeNames().stream().map(n -> (String) n.get(1)).toList();
    }
}

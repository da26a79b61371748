package dev.certpilot.dns.route53;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

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
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The Route 53 provider, on the real AWS SDK, against a local stand-in of Route 53's REST API
 * ({@link Route53ApiStandIn}): this machine cannot reach AWS. The stand-in writes each value it is given into a
 * real BIND 9 that Pebble resolves through, so a wildcard and its apex (two values in one record set) are issued only
 * if the provider made the calls Route 53 documents. RFC 2136 against BIND remains the path proven against a real DNS
 * server.
 */
class Route53AgainstLocalApiStandInIT {

    private static final String KEY_ID = "AKIDCERTPILOTTEST";
    private static final String SECRET = "stand-in-secret-key-0123456789";

    private static Bind bind;
    private static Pebble pebble;

    @TempDir
    Path storage;

    private Route53ApiStandIn api;

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
        api = new Route53ApiStandIn(KEY_ID, "zone.test.", rfc2136);
    }

    @AfterEach
    void stopApi() {
        api.close();
    }

    private Route53Dns01Responder.Builder responder(String keyId) {
        return Route53Dns01Responder.builder().endpoint(api.endpoint())
                .credentials(StaticCredentialsProvider.create(AwsBasicCredentials.create(keyId, SECRET)));
    }

    @Test
    void issuesAWildcardAndItsApexWithBothValuesInOneRecordSetAndRemovesThem() throws Exception {
        try (var dns = responder(KEY_ID).build();
             var manager = CertificateManager.builder()
                     .certificateAuthority(CertificateAuthority.of(pebble.directory().toString())
                             .withTrustedCertificates(pebble.listenerCaFile()))
                     .agreeToTermsOfService().certificate("wild", "zone.test", "*.zone.test")
                     .challenges(dns).storageDirectory(storage).build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(90));
            var issued = manager.certificate("wild").orElseThrow();
            assertThat(names(issued.leaf())).containsExactlyInAnyOrder("zone.test", "*.zone.test");
            assertThat(issued.isSelfSigned()).isFalse();
        }
        assertThat(api.calls).as("the public zone found once").containsOnlyOnce("GET hostedzonesbyname");
        assertThat(api.calls).filteredOn(c -> c.equals("POST hostedzone/ZPUBLIC/rrset")).as("two added, two dropped")
                .hasSize(4);
        assertThat(api.calls).filteredOn(c -> c.startsWith("GET change/")).as("each addition polled until in sync")
                .hasSizeGreaterThanOrEqualTo(4);
        assertThat(api.sets).as("nothing left behind").isEmpty();
        assertThat(bind.log()).contains("adding an RR at '_acme-challenge.zone.test' TXT")
                .contains("deleting an RR at _acme-challenge.zone.test TXT");
    }

    @Test
    void removingOneValueKeepsTheOthersAndRemovingAnAbsentOneDoesNothing() throws Exception {
        try (var dns = responder(KEY_ID).hostedZoneId("/hostedzone/ZPUBLIC").build()) {
            dns.publish("_acme-challenge.a.zone.test.", "first");
            dns.publish("_acme-challenge.a.zone.test.", "second");
            assertThat(api.sets.get("_acme-challenge.a.zone.test.")).containsExactly("\"first\"", "\"second\"");

            dns.remove("_acme-challenge.a.zone.test.", "first");
            assertThat(api.sets.get("_acme-challenge.a.zone.test.")).containsExactly("\"second\"");
            dns.remove("_acme-challenge.a.zone.test.", "never-published");
            dns.remove("_acme-challenge.a.zone.test.", "second");
            assertThat(api.sets).isEmpty();
            assertThat(api.calls).doesNotContain("GET hostedzonesbyname");
        }
    }

    @Test
    void refusedCredentialsAreReportedWithRoute53sErrorAndTheFix() {
        try (var dns = responder("AKIDWRONG").build()) {
            assertThatThrownBy(() -> dns.publish("_acme-challenge.zone.test.", "value"))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("Cannot find the hosted zone zone.test.")
                    .hasMessageContaining("HTTP 403 InvalidClientTokenId")
                    .hasMessageContaining("Check the AWS access key id and secret key")
                    .hasMessageNotContaining(SECRET);
        }
    }

    @Test
    void aNameInNoPublicZoneOrAnUnknownZoneIdIsReported() {
        try (var dns = responder(KEY_ID).build()) {
            assertThatThrownBy(() -> dns.publish("_acme-challenge.shop.other.test.", "value"))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("Route 53 has no public hosted zone for _acme-challenge.shop.other.test.");
        }
        try (var dns = responder(KEY_ID).hostedZoneId("ZNOSUCHZONE").build()) {
            assertThatThrownBy(() -> dns.publish("_acme-challenge.zone.test.", "value"))
                    .isInstanceOf(IOException.class).hasMessageContaining("HTTP 404 NoSuchHostedZone")
                    .hasMessageContaining("Check hostedZoneId(...)");
        }
        assertThatThrownBy(() -> Route53Dns01Responder.builder().hostedZoneId("zone.test"))
                .hasMessageContaining("Z0123456789ABCDEFGHIJ");
    }

    private static List<String> names(X509Certificate certificate) throws CertificateParsingException {
        return certificate.getSubjectAlternativeNames().stream().map(n -> (String) n.get(1)).toList();
    }
}

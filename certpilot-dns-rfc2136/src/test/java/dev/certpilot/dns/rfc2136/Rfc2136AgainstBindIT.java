package dev.certpilot.dns.rfc2136;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.Update;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateBundle;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.test.Bind;
import dev.certpilot.test.Pebble;

/**
 * DNS-01 through real dynamic updates: a real BIND 9 is the primary of {@code zone.test} and
 * {@code validation.test}, and Pebble resolves through it, so a wildcard and its apex are issued only if the TXT
 * records really reached the zone.
 */
class Rfc2136AgainstBindIT {

    private static Bind bind;
    private static Pebble pebble;

    @TempDir
    Path storage;

    @BeforeAll
    static void start() {
        bind = Bind.start("zone.test", "validation.test");
        pebble = Pebble.builder().dnsServer(bind.address()).nonceRejectPercent(0).authorizationReusePercent(0).start();
    }

    @AfterAll
    static void stop() {
        if (pebble != null) {
            pebble.close();
        }
        if (bind != null) {
            bind.close();
        }
    }

    private static Rfc2136Dns01Responder.Builder responder() {
        return Rfc2136Dns01Responder.builder(bind.address()).resolver(bind.address()).nameserverPort(bind.port());
    }

    private CertificateManager manager(Rfc2136Dns01Responder dns, String name, String... domains) {
        return CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of(pebble.directory().toString())
                        .withTrustedCertificates(pebble.listenerCaFile()))
                .agreeToTermsOfService().certificate(name, domains).challenges(dns).storageDirectory(storage).build();
    }

    @Test
    void issuesAWildcardAndItsApexThroughDynamicUpdates() throws Exception {
        var dns = responder().tsigKey(bind.keyName(), bind.keySecret()).build();
        try (var manager = manager(dns, "wild", "zone.test", "*.zone.test")) {
            var issued = obtain(manager, "wild");
            assertThat(names(issued.leaf())).containsExactlyInAnyOrder("zone.test", "*.zone.test");
            assertThat(issued.leaf().getIssuerX500Principal()).as("issued by Pebble")
                    .isEqualTo(pebble.intermediate().getSubjectX500Principal());
        }
        assertThat(bind.log()).contains("updating zone 'zone.test/IN': adding an RR at '_acme-challenge.zone.test' TXT")
                .contains("updating zone 'zone.test/IN': deleting an RR at _acme-challenge.zone.test TXT");
    }

    @Test
    void followsACnameIntoTheZoneThatValidationIsDelegatedTo() throws Exception {
        var delegate = new Update(Name.fromString("zone.test."));
        delegate.add(new CNAMERecord(Name.fromString("_acme-challenge.shop.zone.test."), DClass.IN, 60,
                Name.fromString("shop.validation.test.")));
        assertThat(signedSender().send(delegate).getRcode()).isEqualTo(Rcode.NOERROR);

        var confined = responder().tsigKey(bind.keyName(), bind.keySecret()).build();
        assertThatThrownBy(() -> confined.publish("_acme-challenge.shop.zone.test.", "value"))
                .as("a customer's CNAME cannot steer writes into another zone the key may update")
                .hasMessageContaining("is a CNAME of shop.validation.test., outside the zones this responder may "
                        + "update")
                .hasMessageContaining("allowedZones(\"validation.test.\")");
        assertThat(bind.log()).doesNotContain("adding an RR at 'shop.validation.test'");

        var dns = responder().tsigKey(bind.keyName(), bind.keySecret()).allowedZones("validation.test").build();
        try (var manager = manager(dns, "shop", "shop.zone.test")) {
            var issued = obtain(manager, "shop");
            assertThat(names(issued.leaf())).containsExactly("shop.zone.test");
        }
        assertThat(bind.log()).contains("updating zone 'validation.test/IN': adding an RR at "
                + "'shop.validation.test' TXT");
    }

    @Test
    void waitsForEveryAuthoritativeServerAndNamesTheOnesThatNeverAnswer() throws Exception {
        var dns = responder().tsigKey(bind.keyName(), bind.keySecret()).build();
        dns.publish("_acme-challenge.one.validation.test.", "answered-by-all");
        dns.remove("_acme-challenge.one.validation.test.", "answered-by-all");

        // a second name server for the zone, at an address where nothing answers
        var zone = Name.fromString("validation.test.");
        var secondary = new Update(zone);
        secondary.add(new NSRecord(zone, DClass.IN, 60, Name.fromString("ns2.validation.test.")));
        secondary.add(new ARecord(Name.fromString("ns2.validation.test."), DClass.IN, 60,
                InetAddress.getByName("127.0.0.2")));
        assertThat(signedSender().send(secondary).getRcode()).isEqualTo(Rcode.NOERROR);
        try {
            var impatient = responder().tsigKey(bind.keyName(), bind.keySecret())
                    .timeout(Duration.ofMillis(300)).propagationTimeout(Duration.ofSeconds(2)).build();
            var started = System.nanoTime();
            assertThatThrownBy(() -> impatient.publish("_acme-challenge.two.validation.test.", "not-everywhere"))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("was not answered by [ns2.validation.test]")
                    .hasMessageContaining("ns.validation.test").hasMessageContaining("within PT2S");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        } finally {
            var back = new Update(zone);
            back.delete(new NSRecord(zone, DClass.IN, 0, Name.fromString("ns2.validation.test.")));
            signedSender().send(back);
        }
    }

    private static SimpleResolver signedSender() throws IOException {
        var sender = Rfc2136Dns01Responder.resolver(bind.address(), Duration.ofSeconds(5));
        sender.setTSIGKey(new TSIG(TSIG.HMAC_SHA256, Name.fromString(bind.keyName() + "."),
                Base64.getDecoder().decode(bind.keySecret())));
        return sender;
    }

    @Test
    void aWrongKeyNamesTheServerTheZoneAndTheKey() {
        var wrongSecret = Base64.getEncoder().encodeToString(new byte[32]);
        var dns = responder().tsigKey(bind.keyName(), wrongSecret).build();
        assertThatThrownBy(() -> dns.publish("_acme-challenge.zone.test.", "value"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("127.0.0.1:" + bind.port()).hasMessageContaining("zone zone.test.")
                .hasMessageContaining("TSIG key " + bind.keyName()).hasMessageContaining("BADSIG")
                .hasMessageContaining("check its name, secret (base64) and algorithm");

        var unknownKey = responder().tsigKey("nobody", bind.keySecret()).build();
        assertThatThrownBy(() -> unknownKey.publish("_acme-challenge.zone.test.", "value"))
                .isInstanceOf(IOException.class).hasMessageContaining("TSIG key nobody.")
                .hasMessageContaining("BADKEY");
    }

    @Test
    void anUnsignedUpdateIsRefusedWithTheReason() {
        var dns = responder().build();
        assertThatThrownBy(() -> dns.publish("_acme-challenge.zone.test.", "value"))
                .isInstanceOf(IOException.class).hasMessageContaining("without a TSIG key")
                .hasMessageContaining("REFUSED").hasMessageContaining("allow-update");
    }

    private static CertificateBundle obtain(CertificateManager manager, String name) throws InterruptedException {
        manager.start();
        manager.awaitCertificates(Duration.ofSeconds(90));
        return manager.certificate(name).orElseThrow();
    }

    private static List<String> names(X509Certificate certificate) throws CertificateParsingException {
        return certificate.getSubjectAlternativeNames().stream().map(n -> (String) n.get(1)).toList();
    }
}

package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.provider.GenericAcmeProvider;
import org.shredzone.acme4j.toolbox.JSON;

import dev.certpilot.core.internal.acme.DnsPersist01Challenge;
import dev.certpilot.core.internal.acme.PersistentRecords;
import dev.certpilot.core.spi.DnsPersist01Responder;

/**
 * dns-persist-01 records as draft-ietf-acme-dns-persist-02 defines them, checked against its worked examples
 * (section 10.2, 10.4), and the challenge as acme4j 4.0.0 hands it over. Pebble 2.4 does not offer dns-persist-01, so
 * a validation itself is not run here ({@code DnsPersistIT} runs what Pebble can).
 */
class PersistentRecordsTest {

    private static final String THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"; // RFC 7638's example key
    private static final String ACCOUNT = "https://ca.example/acct/123";
    private static final String PREFIX = "https://ca.example/account-hash/";

    @Test
    void theHashedAccountUriIsTheDraftsWorkedExample() {
        assertThat(PersistentRecords.hashedAccount("example.com", THUMBPRINT, ACCOUNT))
                .isEqualTo("5SQm7n6tPh2-PlLbCKGnViTXX5z19SCN4cPGQHSk-kw");
        assertThat(PersistentRecords.hashedAccount("*", THUMBPRINT, ACCOUNT)).as("the domain-omitted opt-out")
                .isEqualTo("NpDnSwUthQK8zCgFdefYxAdAVPnygMLbs9US6oO-5ug");
    }

    @Test
    void recordsNameTheIssuerTheAccountAndTheWildcardPolicy() {
        var offered = List.of("authority.example", "ca.example.net");

        var wildcard = PersistentRecords.record("example.com", true, DnsPersist01Responder.create(), offered,
                ACCOUNT, THUMBPRINT, PREFIX);
        assertThat(wildcard.name()).isEqualTo("_validation-persist.example.com.");
        assertThat(wildcard.value()).as("Figure 8").isEqualTo("authority.example; accounturi=https://ca.example/"
                + "account-hash/sha-256/5SQm7n6tPh2-PlLbCKGnViTXX5z19SCN4cPGQHSk-kw; policy=wildcard");
        assertThat(wildcard.toString()).isEqualTo("_validation-persist.example.com. IN TXT \"" + wildcard.value()
                + "\"");

        var chosen = PersistentRecords.record("shop.example.com", false, DnsPersist01Responder.create()
                .withIssuerDomainName("CA.Example.NET.").acrossDomains(), offered, ACCOUNT, THUMBPRINT, PREFIX);
        assertThat(chosen.value()).isEqualTo("ca.example.net; accounturi=" + PREFIX
                + "sha-256/NpDnSwUthQK8zCgFdefYxAdAVPnygMLbs9US6oO-5ug");

        var draft01 = PersistentRecords.record("example.com", false, DnsPersist01Responder.create(), offered,
                ACCOUNT, THUMBPRINT, null);
        assertThat(draft01.value()).as("no accountHashPrefix: the account URL, as draft 01")
                .isEqualTo("authority.example; accounturi=" + ACCOUNT);

        assertThat(wildcard.draft()).isEqualTo("draft-ietf-acme-dns-persist-02");
        assertThat(draft01.draft()).isEqualTo("draft-ietf-acme-dns-persist-01");

        assertThatThrownBy(() -> PersistentRecords.record("example.com", false, DnsPersist01Responder.create()
                .withIssuerDomainName("letsencrypt.org"), offered, ACCOUNT, THUMBPRINT, PREFIX))
                .isInstanceOf(CertpilotException.class)
                .hasMessageContaining("offers the issuer domain names [authority.example, ca.example.net], not "
                        + "'letsencrypt.org'");
        assertThatThrownBy(() -> DnsPersist01Responder.create().withIssuerDomainName("not a name"))
                .hasMessageContaining("letsencrypt.org");
    }

    @Test
    void aPinnedDraftIsKeptWhenTheCaAdvertisesItAndRefusedWithBothNamedWhenItAdvertisesAnother() {
        var offered = List.of("authority.example");
        var pinned02 = DnsPersist01Responder.create().withDraft(DnsPersist01Responder.Draft.DRAFT_02);
        assertThat(PersistentRecords.record("example.com", false, pinned02, offered, ACCOUNT, THUMBPRINT, PREFIX)
                .value()).startsWith("authority.example; accounturi=" + PREFIX + "sha-256/");
        assertThat(pinned02).hasToString("DnsPersist01Responder[the CA's issuer domain name, DRAFT_02]");

        assertThatThrownBy(() -> PersistentRecords.record("example.com", false, pinned02, offered, ACCOUNT,
                THUMBPRINT, null)).isInstanceOf(CertpilotException.class)
                .hasMessage("dns-persist-01: the records are pinned to DRAFT_02, but the CA's directory advertises "
                        + "DRAFT_01 (no accountHashPrefix): set DnsPersist01Responder.withDraft(DRAFT_01), or "
                        + "AS_ADVERTISED, and update the TXT records to what persistentDnsRecords() lists");
        var pinned01 = DnsPersist01Responder.create().withDraft(DnsPersist01Responder.Draft.DRAFT_01);
        assertThatThrownBy(() -> PersistentRecords.record("example.com", false, pinned01, offered, ACCOUNT,
                THUMBPRINT, PREFIX)).hasMessageContaining("advertises DRAFT_02 (an accountHashPrefix)");
        assertThat(PersistentRecords.record("example.com", false, pinned01, offered, ACCOUNT, THUMBPRINT, null)
                .value()).isEqualTo("authority.example; accounturi=" + ACCOUNT);
    }

    @Test
    void oneRecordPerNameAWildcardsAtItsBaseCoveringTheBaseAndNoneForAddresses() {
        assertThat(PersistentRecords.bases(List.of("example.com", "*.example.com", "shop.example.org", "192.0.2.7",
                "*.api.example.org"))).containsExactly(java.util.Map.entry("api.example.org", true),
                java.util.Map.entry("example.com", true), java.util.Map.entry("shop.example.org", false));
    }

    @Test
    void acme4jHandsTheChallengeOverAsOursWithItsIssuerDomainNames() throws Exception {
        var login = new Login(URI.create(ACCOUNT).toURL(), KeyType.EC_P256.generate(),
                new Session("https://ca.example/directory"));
        var provider = new GenericAcmeProvider();

        var current = provider.createChallenge(login, JSON.parse("{\"type\":\"dns-persist-01\",\"url\":"
                + "\"https://ca.example/chall/1\",\"status\":\"pending\",\"issuerDomainNames\":[\"Authority.Example\","
                + "\"ca.example.net.\"]}"));
        assertThat(current).isInstanceOf(DnsPersist01Challenge.class);
        assertThat(((DnsPersist01Challenge) current).issuerDomainNames())
                .containsExactly("authority.example", "ca.example.net");

        var draft01 = (DnsPersist01Challenge) provider.createChallenge(login, JSON.parse("{\"type\":"
                + "\"dns-persist-01\",\"url\":\"https://ca.example/chall/2\",\"status\":\"pending\","
                + "\"issuer-domain-names\":[\"letsencrypt.org\"]}"));
        assertThat(draft01.issuerDomainNames()).containsExactly("letsencrypt.org");

        var none = (DnsPersist01Challenge) provider.createChallenge(login, JSON.parse("{\"type\":\"dns-persist-01\","
                + "\"url\":\"https://ca.example/chall/3\",\"status\":\"pending\",\"issuerDomainNames\":[]}"));
        assertThatThrownBy(none::issuerDomainNames).hasMessageContaining("0 issuer domain names; the draft allows "
                + "1 to 10");
    }

    @Test
    void aWildcardCanBeValidatedByPersistentRecordsButAnAddressCannot() {
        var persist = List.of(DnsPersist01Responder.create());
        assertThat(ManagedCertificate.of("*.example.com", "example.com").unvalidatable(persist)).isNull();
        assertThat(ManagedCertificate.of("192.0.2.7").unvalidatable(persist)).contains("never by DNS");
    }
}

package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.core.internal.acme.Chains;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.PebbleExtension;

/**
 * Preferred chains against Pebble issuing every certificate under three roots (its default chain and two alternates,
 * linked as RFC 8555 alternates): the chain to the named root is served, and it validates to that root only; a root
 * the CA does not offer, or none, serves the default chain.
 */
class PreferredChainIT {

    @RegisterExtension
    static final PebbleExtension PEBBLE = PebbleExtension.withSettings(b -> b.alternateRoots(2).nonceRejectPercent(0));

    @RegisterExtension
    final Http01Server httpServer = new Http01Server(PEBBLE);

    @TempDir
    Path storage;

    @Test
    void theChainToThePreferredRootIsServed(Pebble pebble) throws Exception {
        var alternate = root(pebble, 2);
        var chain = obtain(pebble, "alternate.test", commonName(alternate).toUpperCase());

        assertThat(Chains.rootName(chain)).isEqualTo(commonName(alternate));
        assertValidates(chain, alternate);
        assertThatThrownBy(() -> assertValidates(chain, root(pebble, 0))).as("not to the default root")
                .hasMessageContaining("Path does not chain");
    }

    @Test
    void withoutAPreferenceOrWithARootTheCaDoesNotOfferTheDefaultChainIsServed(Pebble pebble) throws Exception {
        var defaultRoot = root(pebble, 0);

        assertValidates(obtain(pebble, "plain.test", null), defaultRoot);
        assertValidates(obtain(pebble, "unknown-root.test", "ISRG Root X9"), defaultRoot);
    }

    @Test
    void aBlankRootNameIsRefusedAtOnce() {
        assertThatThrownBy(() -> CertificateAuthority.LETS_ENCRYPT.withPreferredChain(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("preferred chain is blank");
        assertThat(CertificateAuthority.LETS_ENCRYPT.withPreferredChain("ISRG Root X2").withProfile("tlsserver")
                .preferredChain()).as("kept by the other withers").isEqualTo("ISRG Root X2");
    }

    private List<X509Certificate> obtain(Pebble pebble, String domain, String preferredRoot) throws Exception {
        var ca = CertificateAuthority.of(pebble.directory().toString()).withTrustedCertificates(pebble.listenerCa());
        try (var manager = CertificateManager.builder()
                .certificateAuthority(preferredRoot == null ? ca : ca.withPreferredChain(preferredRoot))
                .agreeToTermsOfService().storageDirectory(storage).challenges(httpServer.responder())
                .domain(domain).build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(30));
            return manager.certificate(domain).orElseThrow().chain();
        }
    }

    private static X509Certificate root(Pebble pebble, int index) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(pebble.rootPem(index).getBytes(StandardCharsets.US_ASCII)));
    }

    private static String commonName(X509Certificate root) {
        return Chains.rootName(List.of(root));
    }

    private static void assertValidates(List<X509Certificate> chain, X509Certificate root) throws Exception {
        var parameters = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
        parameters.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509")
                .generateCertPath(chain), parameters);
    }
}

package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.certpilot.core.spi.ChallengeResponder;
import dev.certpilot.core.spi.Http01Responder;
import dev.certpilot.core.spi.TlsAlpn01Responder;
import dev.certpilot.test.Http01Server;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.PebbleExtension;

/**
 * From 2027 Let's Encrypt reuses an authorization for 10 days, then 7 hours: every renewal validates again. Against
 * Pebble with authorization reuse off, each challenge type renews three times and validates every time, so the
 * renewal path depends on no authorization left from the first order. Pebble 2.4 still reuses one authorization in a
 * hundred at 0%, so a renewal that needed no challenge is counted apart and another is made, up to three more.
 */
class EveryRenewalValidatesIT {

    @RegisterExtension
    static final PebbleExtension PEBBLE = PebbleExtension.withSettings(pebble -> pebble.authorizationReusePercent(0));

    private static final int RENEWALS = 3;

    @TempDir
    Path storage;

    @ParameterizedTest
    @ValueSource(strings = {"http-01", "tls-alpn-01", "dns-01"})
    void threeRenewalsInARowEachValidateAgain(String type, Pebble pebble) throws Exception {
        var name = type + ".renewals.test";
        var http01 = new InMemoryHttp01Responder();
        var tlsAlpn01 = new InMemoryTlsAlpn01Responder();
        var dns01 = new ChallTestSrvDns(pebble);
        var httpDeploys = new AtomicInteger();
        var tlsDeploys = new AtomicInteger();
        ChallengeResponder responder = switch (type) {
            case "http-01" -> new CountingHttp01(http01, httpDeploys);
            case "tls-alpn-01" -> new CountingTlsAlpn01(tlsAlpn01, tlsDeploys);
            default -> dns01;
        };
        IntSupplier validations = switch (type) {
            case "http-01" -> httpDeploys::get;
            case "tls-alpn-01" -> tlsDeploys::get;
            default -> () -> dns01.published.size();
        };
        try (var manager = CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of(pebble.directory().toString())
                        .withTrustedCertificates(pebble.listenerCaFile()))
                .agreeToTermsOfService()
                .domain(name)
                .challenges(responder)
                .storageDirectory(storage)
                .issuanceTimeout(Duration.ofSeconds(30))
                .build();
             var http = Http01Server.start(pebble.httpPort(), http01::keyAuthorization);
             var tls = new AlpnServer(manager.keyManager(), InetAddress.getByName("127.0.0.1"), pebble.tlsPort(),
                     TlsAlpn01Responder.ACME_TLS_PROTOCOL, "http/1.1")) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(60));
            assertThat(validations.getAsInt()).as("the first order validated").isEqualTo(1);

            var validated = 0;
            var reused = 0;
            while (validated < RENEWALS && reused <= RENEWALS) {
                var before = validations.getAsInt();
                var previous = manager.certificate(name).orElseThrow().serialNumber();

                var renewed = manager.renewNow(name);

                assertThat(renewed.serialNumber()).as("renewal %d", validated + reused + 1).isNotEqualTo(previous);
                assertThat(manager.certificate(name)).contains(renewed);
                if (validations.getAsInt() > before) {
                    validated++;
                } else {
                    reused++; // Pebble's one in a hundred
                }
            }
            assertThat(validated).as("renewals that validated again by %s (%d reused an authorization)", type,
                    reused).isEqualTo(RENEWALS);
        }
    }

    /** Counts the challenges deployed through an HTTP-01 responder. */
    private record CountingHttp01(InMemoryHttp01Responder delegate, AtomicInteger deploys) implements Http01Responder {

        @Override
        public void deploy(String domain, String token, String keyAuthorization) {
            deploys.incrementAndGet();
            delegate.deploy(domain, token, keyAuthorization);
        }

        @Override
        public void remove(String domain, String token) {
            delegate.remove(domain, token);
        }
    }

    /** Counts the challenges deployed through a TLS-ALPN-01 responder. */
    private record CountingTlsAlpn01(InMemoryTlsAlpn01Responder delegate, AtomicInteger deploys)
            implements TlsAlpn01Responder {

        @Override
        public void deploy(String domain, X509Certificate certificate, PrivateKey privateKey) throws IOException {
            deploys.incrementAndGet();
            delegate.deploy(domain, certificate, privateKey);
        }

        @Override
        public void deploy(String domain, X509Certificate certificate, PrivateKey privateKey, String keyAuthorization)
                throws IOException {
            deploys.incrementAndGet();
            delegate.deploy(domain, certificate, privateKey, keyAuthorization);
        }

        @Override
        public void remove(String domain) {
            delegate.remove(domain);
        }

        @Override
        public Optional<ValidationCertificate> validationCertificate(String domain) {
            return delegate.validationCertificate(domain);
        }
    }
}

package dev.certpilot.test.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.test.Http01Server;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.PebbleExtension;

/**
 * A store written through the SPI alone ({@link MapCertificateStore}) carries what the file store carries, against a
 * real Pebble: two instances on one backend order a certificate once, both serve it, the account is registered
 * once, and a third instance started later serves the stored certificate without ordering.
 */
class OwnStoreWithPebbleIT {

    @RegisterExtension
    static final PebbleExtension PEBBLE = new PebbleExtension();

    private static CertificateManager manager(Pebble pebble, MapCertificateStore.Backend backend,
                                              InMemoryHttp01Responder http01) {
        return CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of(pebble.directory().toString())
                        .withTrustedCertificates(pebble.listenerCa()))
                .agreeToTermsOfService()
                .store(new MapCertificateStore(backend))
                .storePollInterval(Duration.ofMillis(200))
                .challenges(http01)
                .domain("own-store.test")
                .build();
    }

    @Test
    void twoInstancesOnAStoreOfTheirOwnOrderOnceAndBothServeIt(Pebble pebble) throws Exception {
        var backend = new MapCertificateStore.Backend(Clock.systemUTC());
        // one HTTP-01 server, as a load balancer in front of both instances would make it: either may order
        var http01 = new InMemoryHttp01Responder();
        try (var server = Http01Server.start(pebble.httpPort(), http01::keyAuthorization);
             var first = manager(pebble, backend, http01);
             var second = manager(pebble, backend, http01)) {
            first.start();
            second.start();
            first.awaitCertificates(Duration.ofSeconds(60));
            second.awaitCertificates(Duration.ofSeconds(60));

            var served = first.certificate("own-store.test").orElseThrow();
            assertThat(served.isSelfSigned()).isFalse();
            assertThat(second.certificate("own-store.test").orElseThrow().serialNumber())
                    .as("both serve the one certificate").isEqualTo(served.serialNumber());
            assertThat(backend.revision.get()).as("saved once: one order across both").isEqualTo(1);
            assertThat(backend.accountKeys).as("one account for the CA").hasSize(1);

            try (var third = manager(pebble, backend, http01)) {
                third.start();
                assertThat(third.certificate("own-store.test").orElseThrow().serialNumber())
                        .as("served from the store at start").isEqualTo(served.serialNumber());
                assertThat(backend.revision.get()).as("no new order").isEqualTo(1);
            }
        }
    }
}

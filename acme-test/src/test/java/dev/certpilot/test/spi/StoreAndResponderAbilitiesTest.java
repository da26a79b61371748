package dev.certpilot.test.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.shredzone.acme4j.toolbox.AcmeUtils;
import org.shredzone.acme4j.toolbox.JoseUtils;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.KeyType;
import dev.certpilot.core.StorageException;
import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.Http01Responder;
import dev.certpilot.core.spi.SharedAnswers;
import dev.certpilot.core.spi.SharingResponder;

/**
 * A store ({@link MapCertificateStore}) and a responder written outside certpilot-core, through the SPI alone, do what
 * the built-in ones do: the store tells the manager it is unfit (and the manager refuses to start, as with a
 * read-only directory), the responder serves the answers other instances published (as the in-memory responders
 * do). No CA is reached: nothing is ordered.
 */
class StoreAndResponderAbilitiesTest {

    private static final String CA = "https://ca.test/dir";

    /** An HTTP-01 responder of the user's own, which serves what other instances published too. */
    private static final class OwnResponder implements Http01Responder, SharingResponder {

        final AtomicReference<SharedAnswers> shared = new AtomicReference<>();

        @Override
        public void deploy(String domain, String token, String keyAuthorization) {
        }

        @Override
        public void remove(String domain, String token) {
        }

        @Override
        public void serveShared(SharedAnswers answers) {
            shared.set(answers);
        }
    }

    private CertificateManager manager(CertificateStore store, Http01Responder responder) {
        return CertificateManager.builder().certificateAuthority(CertificateAuthority.of(CA)).agreeToTermsOfService()
                .store(store).challenges(responder).domain("shop.test").build();
    }

    @Test
    void aStoreOfItsOwnThatIsUnfitStopsTheStartWithItsReason() {
        var backend = new MapCertificateStore.Backend(Clock.systemUTC());
        backend.unfit = "OwnStore: the database is a read-only replica; point it at the primary";
        var store = new MapCertificateStore(backend);
        try (var manager = manager(store, new OwnResponder())) {
            assertThatThrownBy(manager::start).isInstanceOf(StorageException.class)
                    .hasMessage("OwnStore: the database is a read-only replica; point it at the primary");
        }
    }

    @Test
    void aResponderOfItsOwnServesWhatAnotherInstancePublished() throws Exception {
        var store = new MapCertificateStore(new MapCertificateStore.Backend(Clock.systemUTC()));
        var account = KeyType.EC_P256.generate();
        store.saveAccountKey("ca.test-dir", account); // what the instance that registered left
        var answer = "token-1." + AcmeUtils.base64UrlEncode(JoseUtils.thumbprint(account.getPublic()));
        store.putChallenge("http-01/shop.test/token-1", answer, Duration.ofMinutes(5)); // as it published
        var responder = new OwnResponder();

        try (var manager = manager(store, responder)) {
            manager.start();
            assertThat(responder.shared.get()).as("given at build").isNotNull();
            assertThat(responder.shared.get().http01("shop.test", "token-1")).contains(answer);
            assertThat(responder.shared.get().http01("other.test", "token-1")).as("not a managed name").isEmpty();
        }
        assertThat(responder.shared.get()).as("taken back at close").isNull();
    }
}

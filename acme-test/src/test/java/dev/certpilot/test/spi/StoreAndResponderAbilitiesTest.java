package dev.certpilot.test.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.shredzone.acme4j.toolbox.AcmeUtils;
import org.shredzone.acme4j.toolbox.JoseUtils;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateBundle;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.FileCertificateStore;
import dev.certpilot.core.KeyType;
import dev.certpilot.core.StorageException;
import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.Http01Responder;
import dev.certpilot.core.spi.Lease;
import dev.certpilot.core.spi.SharedAnswers;
import dev.certpilot.core.spi.SharingResponder;
import dev.certpilot.core.spi.StoreDiagnostics;
import dev.certpilot.core.spi.StoredCertificate;

/**
 * A store and a responder written outside acme-core, through the SPI alone, do what the built-in ones do: the store
 * tells the manager it is unfit (and the manager refuses to start, as with a read-only directory), the responder
 * serves the answers other instances published (as the in-memory responders do). No CA is reached: nothing is
 * ordered.
 */
class StoreAndResponderAbilitiesTest {

    private static final String CA = "https://ca.test/dir";

    @TempDir
    Path storage;

    /** A store of the user's own: its backend is a directory, its judgement of itself is its own. */
    private static final class OwnStore implements CertificateStore, StoreDiagnostics {

        private final CertificateStore backend;
        private final String unfit;

        OwnStore(Path directory, String unfit) {
            this.backend = new FileCertificateStore(directory);
            this.unfit = unfit;
        }

        @Override
        public Optional<String> unfit() {
            return Optional.ofNullable(unfit);
        }

        @Override
        public List<String> warnings() {
            return List.of("OwnStore: replicas lag by a second");
        }

        @Override
        public Optional<CertificateBundle> load(String name) throws IOException {
            return backend.load(name);
        }

        @Override
        public void save(CertificateBundle bundle, Lease lease) throws IOException {
            backend.save(bundle, lease);
        }

        @Override
        public boolean delete(String name, Lease lease) throws IOException {
            return backend.delete(name, lease);
        }

        @Override
        public List<StoredCertificate> list() throws IOException {
            return backend.list();
        }

        @Override
        public Optional<Lease> tryLease(String name, Duration duration) throws IOException {
            return backend.tryLease(name, duration);
        }

        @Override
        public Optional<KeyPair> loadAccountKey(String accountId) throws IOException {
            return backend.loadAccountKey(accountId);
        }

        @Override
        public void saveAccountKey(String accountId, KeyPair keyPair) throws IOException {
            backend.saveAccountKey(accountId, keyPair);
        }

        @Override
        public void putChallenge(String key, String value, Duration ttl) throws IOException {
            backend.putChallenge(key, value, ttl);
        }

        @Override
        public Optional<String> challenge(String key) throws IOException {
            return backend.challenge(key);
        }

        @Override
        public void removeChallenge(String key) throws IOException {
            backend.removeChallenge(key);
        }
    }

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
        var store = new OwnStore(storage, "OwnStore: the database is a read-only replica; point it at the primary");
        try (var manager = manager(store, new OwnResponder())) {
            assertThatThrownBy(manager::start).isInstanceOf(StorageException.class)
                    .hasMessage("OwnStore: the database is a read-only replica; point it at the primary");
        }
    }

    @Test
    void aResponderOfItsOwnServesWhatAnotherInstancePublished() throws Exception {
        var store = new OwnStore(storage, null);
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

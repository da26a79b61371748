package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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

import dev.certpilot.core.internal.acme.AccountKeys;
import dev.certpilot.core.spi.Http01Responder;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.PebbleExtension;

/** Issuance end to end against a real Pebble, with Pebble's default 5% bad-nonce rejection. */
class CertificateManagerIT {

    @RegisterExtension
    static final PebbleExtension PEBBLE = new PebbleExtension();

    @TempDir
    Path storage;

    @RegisterExtension
    final Http01Server httpServer = new Http01Server(PEBBLE);

    private final InMemoryHttp01Responder http01 = httpServer.responder();

    @Test
    void http01IssuesACertificateWhoseChainVerifiesAgainstPebblesRoot(Pebble pebble) throws Exception {
        try (var manager = manager(pebble).domain("shop.test").challenges(http01).build()) {
            startAndAwait(manager);

            var bundle = manager.certificate("shop.test").orElseThrow();
            assertThat(bundle.domains()).containsExactly("shop.test");
            assertThat(subjectAlternativeNames(bundle.leaf())).containsExactly("shop.test");
            assertThat(bundle.leaf().getPublicKey().getAlgorithm()).isEqualTo("EC");
            verifyChain(bundle.chain(), pebble);
            assertThat(httpServer.answered()).isGreaterThanOrEqualTo(1);
            assertThat(http01.pendingCount()).as("challenges cleaned up").isZero();
            assertThat(manager.certificateForHost("SHOP.test")).contains(bundle);
            assertThat(manager.certificateForHost("other.test")).isEmpty();
        }
    }

    @Test
    void oneCertificateCoversSeveralNames(Pebble pebble) throws Exception {
        try (var manager = manager(pebble)
                .certificate("multi", "a.multi.test", "b.multi.test", "c.multi.test")
                .keyType(KeyType.RSA_2048)
                .challenges(http01).build()) {
            startAndAwait(manager);

            var bundle = manager.certificate("multi").orElseThrow();
            assertThat(subjectAlternativeNames(bundle.leaf()))
                    .containsExactlyInAnyOrder("a.multi.test", "b.multi.test", "c.multi.test");
            assertThat(bundle.privateKey().getAlgorithm()).isEqualTo("RSA");
            var accountKey = new FileCertificateStore(storage).loadAccountKey(AccountKeys.id(pebble.directory()))
                    .orElseThrow();
            assertThat(accountKey.getPrivate().getAlgorithm()).as("the account key too").isEqualTo("RSA");
            verifyChain(bundle.chain(), pebble);
            for (var host : List.of("a.multi.test", "b.multi.test", "c.multi.test")) {
                assertThat(manager.certificateForHost(host)).contains(bundle);
            }
        }
    }

    @Test
    void dns01IssuesAWildcardTogetherWithItsApex(Pebble pebble) throws Exception {
        var dns = new ChallTestSrvDns(pebble);
        try (var manager = manager(pebble).certificate("wild", "wild.test", "*.wild.test")
                .challenges(dns).build()) {
            startAndAwait(manager);

            var bundle = manager.certificate("wild").orElseThrow();
            assertThat(subjectAlternativeNames(bundle.leaf())).containsExactlyInAnyOrder("wild.test", "*.wild.test");
            verifyChain(bundle.chain(), pebble);
            assertThat(manager.certificateForHost("api.wild.test")).contains(bundle);
            assertThat(manager.certificateForHost("a.b.wild.test")).isEmpty();
            assertThat(dns.removed).as("every published record removed").containsExactlyInAnyOrderElementsOf(dns.published);
        }
    }

    @Test
    void aFailingChallengeTypeFallsBackToTheNextOne(Pebble pebble) throws Exception {
        var silent = new SilentHttp01();
        var dns = new ChallTestSrvDns(pebble);
        try (var manager = manager(pebble).domain("fallback.test").challenges(silent, dns).build()) {
            startAndAwait(manager);

            assertThat(manager.certificate("fallback.test")).isPresent();
            assertThat(silent.deployed).isEqualTo(1);
            assertThat(silent.removed).as("the failed challenge was cleaned up").isEqualTo(1);
            assertThat(dns.published).containsExactly("_acme-challenge.fallback.test.");
        }
    }

    @Test
    void whenEveryChallengeTypeFailsTheErrorNamesTheDomainTypeAndReason(Pebble pebble) {
        var silent = new SilentHttp01();
        try (var manager = manager(pebble).domain("nobody.test").challenges(silent).build()) {
            assertThatThrownBy(() -> startAndAwait(manager))
                    .isInstanceOfSatisfying(ChallengeFailedException.class, e -> {
                        assertThat(e.domain()).isEqualTo("nobody.test");
                        assertThat(e.attempts()).hasSize(1);
                        assertThat(e.attempts().get(0).challengeType()).isEqualTo("http-01");
                        assertThat(e.attempts().get(0).reason()).isNotBlank();
                    })
                    .hasMessageContaining("nobody.test").hasMessageContaining("http-01");
            assertThat(manager.certificate("nobody.test")).as("only the bootstrap certificate is served")
                    .hasValueSatisfying(b -> assertThat(b.isSelfSigned()).isTrue());
            assertThat(silent.removed).isEqualTo(silent.deployed);
        }
    }

    @Test
    void privateKeysAreOwnerOnlyAndTheLayoutIsTheUsualOne(Pebble pebble) throws Exception {
        try (var manager = manager(pebble).domain("perms.test").challenges(http01).build()) {
            startAndAwait(manager);
        }
        var dir = storage.resolve("certificates/perms.test");
        assertThat(dir.resolve("privkey.pem")).exists();
        assertThat(mode(dir.resolve("privkey.pem"))).isEqualTo("rw-------");
        assertThat(mode(dir)).isEqualTo("rwx------");
        assertThat(mode(storage.resolve("certificates"))).isEqualTo("rwx------");
        var accountKeys = Files.walk(storage.resolve("accounts")).filter(p -> p.endsWith("account.key")).toList();
        assertThat(accountKeys).hasSize(1);
        assertThat(mode(accountKeys.get(0))).isEqualTo("rw-------");
        assertThat(mode(accountKeys.get(0).getParent())).isEqualTo("rwx------");
        assertThat(Files.readString(dir.resolve("privkey.pem"))).startsWith("-----BEGIN PRIVATE KEY-----");
        var full = certificates(dir.resolve("fullchain.pem"));
        assertThat(certificates(dir.resolve("cert.pem"))).containsExactly(full.get(0));
        assertThat(certificates(dir.resolve("chain.pem"))).containsExactlyElementsOf(full.subList(1, full.size()));
        assertThat(Files.readString(dir.resolve("metadata.json"))).contains("\"perms.test\"", "notAfter");
    }

    @Test
    void aRestartWithTheSameStoreServesTheStoredCertificateWithoutCallingTheCa(Pebble pebble) throws Exception {
        java.math.BigInteger serial;
        try (var first = manager(pebble).domain("restart.test").challenges(http01).build()) {
            startAndAwait(first);
            serial = first.certificate("restart.test").orElseThrow().serialNumber();
        }
        var validationRequests = httpServer.answered();
        assertThat(validationRequests).isPositive();

        try (var deadPort = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            var unreachable = CertificateAuthority.of("https://127.0.0.1:" + deadPort.getLocalPort() + "/dir");
            deadPort.close();
            try (var second = CertificateManager.builder().certificateAuthority(unreachable).agreeToTermsOfService()
                    .domain("restart.test").challenges(http01).storageDirectory(storage).build()) {
                startAndAwait(second);
                assertThat(second.certificate("restart.test").orElseThrow().serialNumber()).isEqualTo(serial);
            }
        }
        try (var third = manager(pebble).domain("restart.test").challenges(http01).build()) {
            startAndAwait(third);
            assertThat(third.certificate("restart.test").orElseThrow().serialNumber()).isEqualTo(serial);
            assertThat(httpServer.answered()).as("no validation after the first start").isEqualTo(validationRequests);
        }
    }

    @Test
    void theAccountKeyIsReusedAcrossRestartsAndChangedDomainsGetANewCertificate(Pebble pebble) throws Exception {
        try (var first = manager(pebble).certificate("site", "one.test").challenges(http01).build()) {
            startAndAwait(first);
        }
        var accountKey = Files.walk(storage.resolve("accounts")).filter(p -> p.endsWith("account.key"))
                .findFirst().orElseThrow();
        var keyBefore = Files.readString(accountKey);

        try (var second = manager(pebble).certificate("site", "one.test", "two.test").challenges(http01).build()) {
            startAndAwait(second);
            assertThat(subjectAlternativeNames(second.certificate("site").orElseThrow().leaf()))
                    .containsExactlyInAnyOrder("one.test", "two.test");
        }
        assertThat(Files.readString(accountKey)).isEqualTo(keyBefore);
        assertThat(Files.list(storage.resolve("accounts")).count()).isEqualTo(1);
    }

    @Test
    void aCaThatAcceptsButNeverAnswersFailsWithinTheNetworkTimeout() throws Exception {
        try (var silent = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            var ca = CertificateAuthority.of("https://127.0.0.1:" + silent.getLocalPort() + "/dir");
            try (var manager = CertificateManager.builder().certificateAuthority(ca).agreeToTermsOfService()
                    .domain("timeout.test").challenges(http01).storageDirectory(storage)
                    .networkTimeout(Duration.ofSeconds(1)).build()) {
                var started = System.nanoTime();
                assertThatThrownBy(() -> startAndAwait(manager))
                        .isInstanceOfSatisfying(CaTimeoutException.class, e -> {
                            assertThat(e.directory()).isEqualTo(ca.directory());
                            assertThat(e.problemType()).isEmpty();
                            assertThat(e.timeout()).isEqualTo(Duration.ofSeconds(1));
                        })
                        .hasMessageContaining("did not answer within the network timeout of PT1S")
                        .hasMessageContaining(ca.directory().toString());
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
            }
        }
    }

    @Test
    void aCaThatRefusesConnectionsFailsAtOnceNamingTheUrl() throws Exception {
        int port;
        try (var socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = socket.getLocalPort();
        }
        var ca = CertificateAuthority.of("https://127.0.0.1:" + port + "/dir");
        try (var manager = CertificateManager.builder().certificateAuthority(ca).agreeToTermsOfService()
                .domain("refused.test").challenges(http01).storageDirectory(storage).build()) {
            assertThatThrownBy(() -> startAndAwait(manager)).isInstanceOf(CaUnreachableException.class)
                    .hasMessageContaining("could not be reached").hasMessageContaining("127.0.0.1:" + port);
        }
    }

    @Test
    void aCaWhoseTlsCertificateIsNotTrustedIsRefused(Pebble pebble) {
        var untrusted = CertificateAuthority.of(pebble.directory().toString());
        try (var manager = CertificateManager.builder().certificateAuthority(untrusted).agreeToTermsOfService()
                .domain("trust.test").challenges(http01).storageDirectory(storage).build()) {
            assertThatThrownBy(() -> startAndAwait(manager)).isInstanceOf(AcmeServerException.class)
                    .hasMessageContaining("TLS certificate is not trusted").hasMessageContaining("withTrustedCertificates");
        }
    }

    /** Starts {@code manager} and waits for its certificates, throwing the first failure. */
    @Test
    void prepareConnectsToTheCaAheadOfTheFirstOrderOnlyWhenACertificateIsMissing(Pebble pebble) throws Exception {
        var accounts = storage.resolve("accounts");
        var events = new java.util.concurrent.CopyOnWriteArrayList<CertificateEvent>();
        try (var manager = manager(pebble).domain("early.test").challenges(http01).listener(events::add).build()) {
            manager.prepare();
            var deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!hasAccountKey(accounts) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(hasAccountKey(accounts)).as("the account was registered while the server starts").isTrue();
            assertThat(pebble.log()).as("an account request").contains("/sign-me-up");
            assertThat(events).as("no order before start()").isEmpty();
            startAndAwait(manager);
        }
        var accountRequests = pebble.log().split("/sign-me-up", -1).length;
        try (var restarted = manager(pebble).domain("early.test").challenges(http01).build()) {
            restarted.prepare();
            Thread.sleep(500);
            assertThat(pebble.log().split("/sign-me-up", -1).length).as("nothing missing: the CA is not called")
                    .isEqualTo(accountRequests);
        }
    }

    private static boolean hasAccountKey(Path accounts) throws java.io.IOException {
        if (!Files.isDirectory(accounts)) {
            return false;
        }
        try (var walk = Files.walk(accounts)) {
            return walk.anyMatch(path -> path.getFileName().toString().equals("account.key"));
        }
    }

    static void startAndAwait(CertificateManager manager) throws InterruptedException {
        manager.start();
        manager.awaitCertificates(Duration.ofSeconds(60));
    }

    private CertificateManagerBuilder manager(Pebble pebble) {
        return CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of(pebble.directory().toString())
                        .withTrustedCertificates(pebble.listenerCa()))
                .email("ops@certpilot.test")
                .agreeToTermsOfService()
                .storageDirectory(storage)
                .issuanceTimeout(Duration.ofSeconds(60));
    }

    static void verifyChain(List<X509Certificate> chain, Pebble pebble) throws Exception {
        assertThat(chain).hasSizeGreaterThanOrEqualTo(2);
        assertThat(chain.get(1)).isEqualTo(pebble.intermediate());
        var path = CertificateFactory.getInstance("X.509").generateCertPath(chain);
        var parameters = new PKIXParameters(Set.of(new TrustAnchor(pebble.root(), null)));
        parameters.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(path, parameters);
    }

    static List<String> subjectAlternativeNames(X509Certificate certificate) throws Exception {
        return certificate.getSubjectAlternativeNames().stream().map(entry -> (String) entry.get(1)).toList();
    }

    private static String mode(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    private static List<java.security.cert.Certificate> certificates(Path pem) throws Exception {
        try (var in = Files.newInputStream(pem)) {
            return List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
        }
    }

    /** An HTTP-01 responder whose answers never reach the CA, as behind a misconfigured proxy. */
    private static final class SilentHttp01 implements Http01Responder {
        volatile int deployed;
        volatile int removed;

        @Override
        public synchronized void deploy(String domain, String token, String keyAuthorization) {
            deployed++;
        }

        @Override
        public synchronized void remove(String domain, String token) {
            removed++;
        }
    }
}

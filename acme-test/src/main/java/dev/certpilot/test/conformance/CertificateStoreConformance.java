package dev.certpilot.test.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.certpilot.core.CertificateBundle;
import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.ChangeFeed;
import dev.certpilot.core.spi.CorruptedEntryException;
import dev.certpilot.core.spi.LeaseLostException;
import dev.certpilot.core.spi.StoredCertificate;

/**
 * The conformance kit of the {@link CertificateStore} contract: extend it in a JUnit 5 test of your store, implement
 * the four hooks, and every test here runs against it. The file store and the JDBC store pass it.
 *
 * <pre>{@code
 * class RedisStoreConformanceTest extends CertificateStoreConformance {
 *     protected CertificateStore newStore() { ... a store on an empty keyspace ... }
 *     protected CertificateStore sameBackend() { ... a second client of that keyspace ... }
 *     protected void corrupt(String name) { ... garbage into the entry's key ... }
 *     protected void crashWhileSaving(CertificateBundle bundle) { ... half a save, as a crash leaves it ... }
 * }
 * }</pre>
 *
 * <p>What it checks: not found is empty, not an error; a save is replaced whole, even while other instances read
 * it and when a crash cuts it; leases exclude other threads and instances, end when not renewed, are taken over
 * then, and a write with a lost lease is refused; the listing and revision follow saves and deletes, and so does
 * the {@link ChangeFeed} of a store that has one; corrupted
 * entries are reported once and moved aside; challenge answers round-trip and expire; account keys round-trip.
 * Leases and answers are given durations of one or two seconds, so the kit takes about fifteen seconds. Each test
 * uses a new store from {@link #newStore()}; instances are not thread-safe, as JUnit runs them one at a time.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class CertificateStoreConformance {

    /** Creates the kit. */
    protected CertificateStoreConformance() {
    }

    /**
     * A store on a new, empty backend (a new folder, a new schema). Called once at the start of each test.
     *
     * @return the store
     * @throws Exception if the backend cannot be made
     */
    protected abstract CertificateStore newStore() throws Exception;

    /**
     * Another store on the backend of the last {@link #newStore()}, as another instance of the application would open
     * it (another object, its own connections, its own caches).
     *
     * @return another store on the same backend
     * @throws Exception if it cannot be opened
     */
    protected abstract CertificateStore sameBackend() throws Exception;

    /**
     * Makes the stored certificate {@code name} unreadable on the backend, as a hand edit, a partial copy or a failing
     * disk would: garbage where its key or chain is.
     *
     * @param name the certificate's name
     * @throws Exception if the backend cannot be changed
     */
    protected abstract void corrupt(String name) throws Exception;

    /**
     * Leaves the backend as a process that crashed in the middle of saving {@code bundle} over the current entry
     * would: whatever your store's save writes before its last step, without that step.
     *
     * @param bundle the bundle whose save is interrupted
     * @throws Exception if the backend cannot be changed
     */
    protected abstract void crashWhileSaving(CertificateBundle bundle) throws Exception;

    @Test
    void whatWasNeverWrittenIsEmptyNotAnError() throws Exception {
        var store = newStore();

        assertThat(store.load("absent.test")).isEmpty();
        assertThat(store.list()).isEmpty();
        assertThat(store.loadAccountKey("acme-v02.api.letsencrypt.org-directory")).isEmpty();
        assertThat(store.challenge("http-01/absent.test/token")).isEmpty();
        store.removeChallenge("http-01/absent.test/token");
        try (var lease = store.tryLease("absent.test", Duration.ofSeconds(10)).orElseThrow()) {
            assertThat(store.delete("absent.test", lease)).isFalse();
        }
    }

    @Test
    void aSavedCertificateLoadsWholeAndIsListedWithoutItsKey() throws Exception {
        var store = newStore();
        var bundle = TestBundles.bundle("shop", "shop.test", "www.shop.test");
        var before = store.revision();

        save(store, bundle);

        var loaded = sameBackend().load("shop").orElseThrow();
        assertSame(loaded, bundle);
        assertThat(store.list()).containsExactly(new StoredCertificate("shop", List.of("shop.test", "www.shop.test"),
                bundle.serialNumber(), bundle.notBefore(), bundle.notAfter()));
        assertThat(store.revision()).as("the revision changes with a save").isNotEqualTo(before);
    }

    @Test
    void aDeletedCertificateIsGoneFromLoadAndListing() throws Exception {
        var store = newStore();
        save(store, TestBundles.bundle("shop", "shop.test"));
        save(store, TestBundles.bundle("blog", "blog.test"));
        var before = store.revision();

        try (var lease = store.tryLease("shop", Duration.ofSeconds(10)).orElseThrow()) {
            assertThat(store.delete("shop", lease)).isTrue();
        }

        assertThat(store.load("shop")).isEmpty();
        assertThat(store.list()).extracting(StoredCertificate::name).containsExactly("blog");
        assertThat(sameBackend().revision()).as("the revision changes with a delete").isNotEqualTo(before);
    }

    @Test
    void aChangeFeedGivesOtherInstancesExactlyWhatChangedAfterTheirPosition() throws Exception {
        var store = newStore();
        if (!(store instanceof ChangeFeed)) {
            return; // an optional ability: without it, instances read the listing when the revision changes
        }
        save(store, TestBundles.bundle("shop", "shop.test"));
        save(store, TestBundles.bundle("blog", "blog.test"));
        var other = (ChangeFeed) sameBackend();
        var start = other.position();
        assertThat(other.changesSince(start)).as("nothing after the position yet").hasValueSatisfying(changes -> {
            assertThat(changes.isEmpty()).isTrue();
            assertThat(changes.position()).isEqualTo(start);
        });

        var renewed = TestBundles.bundle("shop", "shop.test");
        save(store, renewed);
        save(store, TestBundles.bundle("news", "news.test"));
        try (var lease = store.tryLease("blog", Duration.ofSeconds(10)).orElseThrow()) {
            assertThat(store.delete("blog", lease)).isTrue();
        }

        var changes = other.changesSince(start).orElseThrow();
        assertThat(changes.saved()).extracting(StoredCertificate::name).containsExactly("shop", "news");
        assertThat(changes.saved().get(0).serial()).as("the renewed serial").isEqualTo(renewed.serialNumber());
        assertThat(changes.deleted()).containsExactly("blog");
        assertThat(other.changesSince(changes.position()).orElseThrow().isEmpty()).as("read to the end").isTrue();

        save(store, TestBundles.bundle("blog", "blog.test"));
        var again = other.changesSince(changes.position()).orElseThrow();
        assertThat(again.saved()).extracting(StoredCertificate::name).as("saved again after its delete")
                .containsExactly("blog");
        assertThat(again.deleted()).isEmpty();
        assertThat(other.changesSince(start).orElseThrow().deleted()).as("a delete undone by a later save is no "
                + "delete").isEmpty();
    }

    @Test
    void aSaveReplacesTheWholeEntryWhileOtherInstancesReadIt() throws Exception {
        var store = newStore();
        var ec = TestBundles.bundle("shop", "shop.test");
        var rsa = TestBundles.bundle("shop", TestBundles.rsaKeys(), Instant.now().minusSeconds(60),
                Duration.ofDays(90), "shop.test");
        save(store, ec);
        var serials = Set.of(ec.serialNumber(), rsa.serialNumber());
        var readers = List.of(sameBackend(), sameBackend(), store);
        var stop = new AtomicBoolean();
        var reads = new AtomicInteger();
        var pool = Executors.newFixedThreadPool(readers.size());
        try {
            var results = new ArrayList<Future<?>>();
            for (var reader : readers) {
                results.add(pool.submit(() -> {
                    while (!stop.get()) {
                        var loaded = reader.load("shop");
                        assertThat(loaded).as("never missing while replaced").isPresent();
                        assertThat(serials).contains(loaded.get().serialNumber());
                        assertThat(matches(loaded.get())).as("never a key of one with the certificate of the other")
                                .isTrue();
                        reads.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (int i = 0; i < 30; i++) {
                save(store, i % 2 == 0 ? rsa : ec);
            }
            stop.set(true);
            for (var result : results) {
                result.get(30, TimeUnit.SECONDS);
            }
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
        assertThat(reads.get()).as("the readers ran").isPositive();
        assertThat(store.load("shop").orElseThrow().serialNumber()).isEqualTo(ec.serialNumber());
    }

    @Test
    void aCrashInTheMiddleOfASaveLeavesTheOldOrTheNewCertificateWholeAndTheNextSaveWorks() throws Exception {
        var store = newStore();
        var old = TestBundles.bundle("shop", "shop.test");
        save(store, old);
        var cut = TestBundles.bundle("shop", "shop.test");

        crashWhileSaving(cut);

        var reader = sameBackend();
        var loaded = reader.load("shop").orElseThrow();
        assertThat(loaded.serialNumber()).isIn(old.serialNumber(), cut.serialNumber());
        assertThat(matches(loaded)).isTrue();
        var next = TestBundles.bundle("shop", "shop.test");
        save(reader, next);
        assertSame(store.load("shop").orElseThrow(), next);
        assertThat(store.list()).extracting(StoredCertificate::serial).containsExactly(next.serialNumber());
    }

    @Test
    void aKeyThatDoesNotBelongToItsCertificateIsRefusedAndNothingIsStored() throws Exception {
        var store = newStore();
        var good = TestBundles.bundle("shop", "shop.test");
        var mismatched = new CertificateBundle("shop", good.domains(), good.chain(),
                TestBundles.ecKeys().getPrivate());

        try (var lease = store.tryLease("shop", Duration.ofSeconds(10)).orElseThrow()) {
            assertThatThrownBy(() -> store.save(mismatched, lease)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(store.load("shop")).isEmpty();
    }

    @Test
    void aLeaseExcludesOtherInstancesAndThreadsUntilClosedAndOtherNamesAreIndependent() throws Exception {
        var store = newStore();
        var other = sameBackend();

        try (var held = store.tryLease("shop", Duration.ofSeconds(30)).orElseThrow()) {
            assertThat(held.name()).isEqualTo("shop");
            assertThat(other.tryLease("shop", Duration.ofSeconds(30))).as("another instance").isEmpty();
            assertThat(store.tryLease("shop", Duration.ofSeconds(30))).as("another thread of this one").isEmpty();
            try (var blog = other.tryLease("blog", Duration.ofSeconds(30)).orElseThrow()) {
                assertThat(blog.name()).isEqualTo("blog");
            }
        }
        try (var again = other.tryLease("shop", Duration.ofSeconds(30)).orElseThrow()) {
            assertThat(again.name()).as("free once closed").isEqualTo("shop");
        }
    }

    @Test
    void theLeaseGuardingAFirstAccountKeyExcludesOtherInstancesLikeACertificates() throws Exception {
        var store = newStore();
        var other = sameBackend();
        var name = "_account.acme-v02.api.letsencrypt.org-directory";

        try (var held = store.tryLease(name, Duration.ofSeconds(30)).orElseThrow()) {
            assertThat(held.name()).isEqualTo(name);
            assertThat(other.tryLease(name, Duration.ofSeconds(30))).as("another instance").isEmpty();
        }
        try (var again = other.tryLease(name, Duration.ofSeconds(30)).orElseThrow()) {
            assertThat(again.name()).as("free once closed").isEqualTo(name);
        }
        assertThat(store.list()).as("a lease is not a certificate").isEmpty();
    }

    @Test
    void ofManyInstancesRacingForOneLeaseExactlyOneWins() throws Exception {
        newStore();
        var stores = List.of(sameBackend(), sameBackend(), sameBackend(), sameBackend());
        var start = new CountDownLatch(1);
        var winners = ConcurrentHashMap.<String>newKeySet();
        var pool = Executors.newFixedThreadPool(8);
        try {
            var results = new ArrayList<Future<?>>();
            for (int i = 0; i < 8; i++) {
                var store = stores.get(i % stores.size());
                var id = "racer-" + i;
                results.add(pool.submit(() -> {
                    start.await();
                    if (store.tryLease("shop", Duration.ofSeconds(30)).isPresent()) {
                        winners.add(id);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (var result : results) {
                result.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(winners).hasSize(1);
    }

    @Test
    void aLeaseThatIsNotRenewedEndsAndIsTakenOverAndItsHolderCanNoLongerWrite() throws Exception {
        var store = newStore();
        var stale = store.tryLease("shop", Duration.ofSeconds(1)).orElseThrow();
        var taker = sameBackend();
        assertThat(taker.tryLease("shop", Duration.ofSeconds(30))).as("held until it ends").isEmpty();

        // by the store's own clock (a database's, say), so waited for rather than slept: taken once it has ended
        var taken = eventually(() -> taker.tryLease("shop", Duration.ofSeconds(30)), "the ended lease taken over");
        assertThatThrownBy(() -> store.save(TestBundles.bundle("shop", "shop.test"), stale))
                .isInstanceOf(LeaseLostException.class);
        assertThatThrownBy(stale::renew).isInstanceOf(LeaseLostException.class);
        assertThat(store.load("shop")).as("the refused save wrote nothing").isEmpty();
        var fresh = TestBundles.bundle("shop", "shop.test");
        taker.save(fresh, taken);
        stale.close(); // closing a lost lease releases nothing of the new holder's
        assertThat(store.tryLease("shop", Duration.ofSeconds(30))).as("still the taker's").isEmpty();
        taken.close();
        assertSame(store.load("shop").orElseThrow(), fresh);
    }

    @Test
    void aRenewedLeaseOutlivesItsDuration() throws Exception {
        var store = newStore();
        var other = sameBackend();
        // renewed every half second for four seconds, a lease of three: a pause of up to 2.5 s between two
        // renewals (a loaded machine) still keeps it
        try (var lease = store.tryLease("shop", Duration.ofSeconds(3)).orElseThrow()) {
            var first = lease.expiresAt();
            var started = System.nanoTime();
            while (System.nanoTime() - started < TimeUnit.SECONDS.toNanos(4)) {
                Thread.sleep(500);
                lease.renew();
                assertThat(other.tryLease("shop", Duration.ofSeconds(3))).isEmpty();
            }
            assertThat(lease.expiresAt()).isAfter(first);
            var bundle = TestBundles.bundle("shop", "shop.test");
            store.save(bundle, lease);
            assertSame(other.load("shop").orElseThrow(), bundle);
        }
    }

    @Test
    void aLeaseOfAnotherNameDoesNotAllowAWrite() throws Exception {
        var store = newStore();
        try (var blog = store.tryLease("blog", Duration.ofSeconds(10)).orElseThrow()) {
            assertThatThrownBy(() -> store.save(TestBundles.bundle("shop", "shop.test"), blog))
                    .isInstanceOfAny(IllegalArgumentException.class, LeaseLostException.class);
        }
        assertThat(store.load("shop")).isEmpty();
    }

    @Test
    void aCorruptedEntryIsReportedOnceMovedAsideAndObtainedAgain() throws Exception {
        var store = newStore();
        save(store, TestBundles.bundle("shop", "shop.test"));
        save(store, TestBundles.bundle("blog", "blog.test"));

        corrupt("shop");

        assertThatThrownBy(() -> store.load("shop")).isInstanceOf(CorruptedEntryException.class)
                .hasMessageContaining("shop")
                .satisfies(e -> assertThat(((CorruptedEntryException) e).movedTo()).isNotBlank());
        assertThat(store.load("shop")).as("moved aside, so not found").isEmpty();
        assertThat(store.list()).extracting(StoredCertificate::name).containsExactly("blog");
        var next = TestBundles.bundle("shop", "shop.test");
        save(store, next);
        assertSame(store.load("shop").orElseThrow(), next);
    }

    @Test
    void challengeAnswersAreSharedReplacedRemovedAndExpire() throws Exception {
        var store = newStore();
        var other = sameBackend();
        var key = "http-01/shop.test/Xk3_-token";

        store.putChallenge(key, "first", Duration.ofMinutes(5));
        store.putChallenge(key, "Xk3_-token.thumbprint", Duration.ofMinutes(5));
        store.putChallenge("tls-alpn-01/shop.test", "-----BEGIN PRIVATE KEY-----\n...", Duration.ofSeconds(1));

        assertThat(other.challenge(key)).contains("Xk3_-token.thumbprint");
        assertThat(other.challenge("tls-alpn-01/shop.test")).contains("-----BEGIN PRIVATE KEY-----\n...");
        other.removeChallenge(key);
        assertThat(store.challenge(key)).isEmpty();
        eventually(() -> other.challenge("tls-alpn-01/shop.test").isEmpty() ? Optional.of(true) : Optional.empty(),
                "the answer of 1 s expired");
    }

    @Test
    void accountKeysRoundTripAndAreReplaced() throws Exception {
        var store = newStore();
        var first = TestBundles.ecKeys();
        var second = TestBundles.rsaKeys();

        store.saveAccountKey("ca.test-dir", first);
        assertThat(sameBackend().loadAccountKey("ca.test-dir").orElseThrow().getPrivate().getEncoded())
                .isEqualTo(first.getPrivate().getEncoded());
        store.saveAccountKey("ca.test-dir", second);

        var loaded = sameBackend().loadAccountKey("ca.test-dir").orElseThrow();
        assertThat(loaded.getPrivate().getEncoded()).isEqualTo(second.getPrivate().getEncoded());
        assertThat(loaded.getPublic().getEncoded()).isEqualTo(second.getPublic().getEncoded());
    }

    /**
     * Saves {@code bundle} under a lease taken for it.
     *
     * @param store the store
     * @param bundle the bundle
     * @throws IOException if the store fails
     */
    protected static void save(CertificateStore store, CertificateBundle bundle) throws IOException {
        try (var lease = store.tryLease(bundle.name(), Duration.ofSeconds(30)).orElseThrow(
                () -> new AssertionError("the lease of " + bundle.name() + " is held"))) {
            store.save(bundle, lease);
        }
    }

    private static void assertSame(CertificateBundle loaded, CertificateBundle saved) {
        assertThat(loaded.name()).isEqualTo(saved.name());
        assertThat(loaded.domains()).isEqualTo(saved.domains());
        assertThat(loaded.chain()).isEqualTo(saved.chain());
        assertThat(loaded.privateKey().getEncoded()).isEqualTo(saved.privateKey().getEncoded());
    }

    private static boolean matches(CertificateBundle bundle) throws Exception {
        var key = bundle.privateKey();
        var algorithm = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        var signer = java.security.Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(new byte[] {1, 2, 3});
        var signature = signer.sign();
        var verifier = java.security.Signature.getInstance(algorithm);
        verifier.initVerify(bundle.leaf().getPublicKey());
        verifier.update(new byte[] {1, 2, 3});
        return verifier.verify(signature);
    }

    /**
     * What {@code attempt} gives once it gives something, asked every 50 ms for up to 10 s: for what a store decides
     * by its own clock, which a test cannot drive.
     */
    private static <T> T eventually(Callable<Optional<T>> attempt, String what) throws Exception {
        var deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            var result = attempt.call();
            if (result.isPresent()) {
                return result.get();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(50);
        }
    }
}

package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.core.spi.ChangeFeed;
import dev.certpilot.core.spi.StoredCertificate;

/**
 * Two instances on one file store, with a CA at the issuer boundary: a renewal on one is served by the other, which
 * reads only the entry that changed through the store's change feed, not the listing of every certificate; and a
 * store without a feed is still followed, by its revision and the whole listing.
 */
class ChangeFeedWatcherWithFakeCaTest {

    private static final int CERTIFICATES = 50;

    @TempDir
    Path storage;

    private final MutableClock clock = new MutableClock();

    /** Counts what an instance reads of the store: whole listings and their entries, and the feed's entries. */
    private static final class CountingStore extends ForwardingStore implements ChangeFeed {

        private final FileCertificateStore files;
        final AtomicLong listings = new AtomicLong();
        final AtomicLong listed = new AtomicLong();
        final AtomicLong fed = new AtomicLong();

        CountingStore(FileCertificateStore files) {
            super(files);
            this.files = files;
        }

        @Override
        public List<StoredCertificate> list() throws IOException {
            var listing = super.list();
            listings.incrementAndGet();
            listed.addAndGet(listing.size());
            return listing;
        }

        @Override
        public String position() throws IOException {
            return files.position();
        }

        @Override
        public Optional<Changes> changesSince(String position) throws IOException {
            var changes = files.changesSince(position);
            changes.ifPresent(c -> fed.addAndGet(c.saved().size() + c.deleted().size()));
            return changes;
        }
    }

    private CertificateManagerBuilder instance(FakeIssuer issuer, dev.certpilot.core.spi.CertificateStore store) {
        var builder = FakeCaManagers.builder(storage, clock, new EventLog(), issuer).store(store)
                .storePollInterval(Duration.ofMillis(50)).checkInterval(Duration.ofHours(1));
        for (int i = 0; i < CERTIFICATES; i++) {
            builder.certificate("site" + i, "site" + i + ".test");
        }
        return builder;
    }

    @Test
    void aRenewalOnOneInstanceIsServedByTheOtherWhichReadsOnlyThatEntry() throws Exception {
        var issuer = new FakeIssuer(FakeCaManagers.CA, clock);
        var other = new CountingStore(new FileCertificateStore(storage));
        try (var first = instance(issuer, new FileCertificateStore(storage)).build()) {
            first.start();
            first.awaitCertificates(Duration.ofSeconds(30));
            try (var second = instance(issuer, other).build()) {
                second.start();
                second.awaitCertificates(Duration.ofSeconds(30));
                assertThat(other.listings.get()).as("the listing it started from").isEqualTo(1);
                assertThat(other.listed.get()).isEqualTo(CERTIFICATES);

                var renewed = first.renewNow("site7");

                awaitServed(second, "site7", renewed);
                Thread.sleep(200); // a few more polls
                assertThat(other.listings.get()).as("no further listing").isEqualTo(1);
                assertThat(other.fed.get()).as("entries read after the renewal elsewhere").isEqualTo(1);
                assertThat(issuer.calls()).as("the second instance ordered nothing").hasSize(CERTIFICATES + 1);
            }
        }
    }

    @Test
    void aStoreWithoutAFeedIsFollowedByItsRevisionAndTheWholeListing() throws Exception {
        var issuer = new FakeIssuer(FakeCaManagers.CA, clock);
        var plain = new ForwardingStore(new FileCertificateStore(storage)); // no ChangeFeed
        try (var first = instance(issuer, new FileCertificateStore(storage)).build();
             var second = instance(issuer, plain).build()) {
            first.start();
            first.awaitCertificates(Duration.ofSeconds(30));
            second.start();
            second.awaitCertificates(Duration.ofSeconds(30));

            var renewed = first.renewNow("site3");

            awaitServed(second, "site3", renewed);
        }
    }

    private static void awaitServed(CertificateManager manager, String name, CertificateBundle expected)
            throws InterruptedException {
        var deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!manager.certificate(name).map(b -> b.serialNumber().equals(expected.serialNumber())).orElse(false)
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(manager.certificate(name).orElseThrow().serialNumber()).isEqualTo(expected.serialNumber());
    }
}

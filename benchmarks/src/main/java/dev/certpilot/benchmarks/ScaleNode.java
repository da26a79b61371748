package dev.certpilot.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateBundle;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.ChangeFeed;
import dev.certpilot.core.spi.ChangeSignals;
import dev.certpilot.core.spi.Lease;
import dev.certpilot.core.spi.StoredCertificate;
import dev.certpilot.jdbc.JdbcCertificateStore;

/**
 * One node of {@link ClusterScaleBenchmark}, in a JVM of its own: a manager of {@code count} names on the database
 * at {@code url}, with a CA it never reaches. It prints {@code STARTED ms} once every name serves its stored
 * certificate, {@code HEAP bytes} retained per certificate, then, on a line {@code MEASURE} on its input, counts the
 * listing entries it reads for {@code seconds} and prints {@code READ feed-entries listed-entries listings renewed}
 * (renewed: the names renewed elsewhere that it serves anew):
 * through the change feed, or with {@code plain}, through a store without one (the revision and whole listings).
 */
public final class ScaleNode {

    private ScaleNode() {
    }

    public static void main(String[] args) throws Exception {
        var url = args[0];
        var count = Integer.parseInt(args[1]);
        var seconds = Integer.parseInt(args[2]);
        var plain = args.length > 3 && args[3].equals("plain");
        int dead;
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = socket.getLocalPort();
        }
        var before = usedHeapAfterGc();
        var started = System.nanoTime();
        var jdbc = JdbcCertificateStore.builder(url, null, null).build();
        var counting = plain ? new Counting(jdbc) : new CountingFeed(jdbc);
        var builder = CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of("https://127.0.0.1:" + dead + "/dir"))
                .agreeToTermsOfService().challenges(new InMemoryHttp01Responder()).store(counting)
                .checkInterval(Duration.ofHours(24));
        for (int i = 0; i < count; i++) {
            var name = ClusterScaleBenchmark.name(i);
            builder.certificate(name, name);
        }
        try (var manager = builder.build()) {
            manager.start();
            var startedMillis = (System.nanoTime() - started) / 1_000_000;
            if (manager.status().stream().anyMatch(status -> status.bootstrap())) { // a check, not start-up
                throw new IllegalStateException("A stored certificate is not served");
            }
            System.out.printf("STARTED %d%n", startedMillis);
            var initial = new java.math.BigInteger[ClusterScaleBenchmark.RENEWED_AT_MOST];
            for (int i = 0; i < initial.length; i++) {
                initial[i] = manager.certificate(ClusterScaleBenchmark.name(i)).orElseThrow().serialNumber();
            }
            System.out.printf("HEAP %d%n", (usedHeapAfterGc() - before) / count);
            System.out.flush();
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
            if (!"MEASURE".equals(in.readLine())) {
                return;
            }
            counting.reset();
            Thread.sleep(Duration.ofSeconds(seconds).toMillis());
            var served = 0;
            for (int i = 0; i < initial.length; i++) {
                var serial = manager.certificate(ClusterScaleBenchmark.name(i)).orElseThrow().serialNumber();
                served += serial.equals(initial[i]) ? 0 : 1;
            }
            System.out.printf("READ %d %d %d %d%n", counting.fed.get(), counting.listed.get(),
                    counting.listings.get(), served);
            System.out.flush();
        } finally {
            jdbc.close();
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Counts the listing entries read, through whole listings; no change feed. */
    private static class Counting implements CertificateStore {

        final JdbcCertificateStore delegate;
        final AtomicLong listed = new AtomicLong();
        final AtomicLong listings = new AtomicLong();
        final AtomicLong fed = new AtomicLong();

        Counting(JdbcCertificateStore delegate) {
            this.delegate = delegate;
        }

        void reset() {
            listed.set(0);
            listings.set(0);
            fed.set(0);
        }

        @Override
        public List<StoredCertificate> list() throws IOException {
            var listing = delegate.list();
            listings.incrementAndGet();
            listed.addAndGet(listing.size());
            return listing;
        }

        @Override
        public String revision() throws IOException {
            return delegate.revision();
        }

        @Override
        public Optional<CertificateBundle> load(String name) throws IOException {
            return delegate.load(name);
        }

        @Override
        public void save(CertificateBundle bundle, Lease lease) throws IOException {
            delegate.save(bundle, lease);
        }

        @Override
        public boolean delete(String name, Lease lease) throws IOException {
            return delegate.delete(name, lease);
        }

        @Override
        public Optional<Lease> tryLease(String name, Duration duration) throws IOException {
            return delegate.tryLease(name, duration);
        }

        @Override
        public Optional<KeyPair> loadAccountKey(String accountId) throws IOException {
            return delegate.loadAccountKey(accountId);
        }

        @Override
        public void saveAccountKey(String accountId, KeyPair keyPair) throws IOException {
            delegate.saveAccountKey(accountId, keyPair);
        }

        @Override
        public void putChallenge(String key, String value, Duration ttl) throws IOException {
            delegate.putChallenge(key, value, ttl);
        }

        @Override
        public Optional<String> challenge(String key) throws IOException {
            return delegate.challenge(key);
        }

        @Override
        public void removeChallenge(String key) throws IOException {
            delegate.removeChallenge(key);
        }
    }

    /** Counts the entries read through the change feed too, and passes the store's signals on. */
    private static final class CountingFeed extends Counting implements ChangeFeed, ChangeSignals {

        CountingFeed(JdbcCertificateStore delegate) {
            super(delegate);
        }

        @Override
        public String position() throws IOException {
            return delegate.position();
        }

        @Override
        public Optional<Changes> changesSince(String position) throws IOException {
            var changes = delegate.changesSince(position);
            changes.ifPresent(c -> fed.addAndGet(c.saved().size() + c.deleted().size()));
            return changes;
        }

        @Override
        public AutoCloseable onChange(Runnable onChange) {
            return delegate.onChange(onChange);
        }
    }
}

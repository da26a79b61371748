package dev.certpilot.test.spi;

import java.io.IOException;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import dev.certpilot.core.CertificateBundle;
import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.CorruptedEntryException;
import dev.certpilot.core.spi.Lease;
import dev.certpilot.core.spi.LeaseLostException;
import dev.certpilot.core.spi.Pem;
import dev.certpilot.core.spi.StoreDiagnostics;
import dev.certpilot.core.spi.StoredCertificate;

/**
 * A store written outside certpilot-core through the SPI alone, as a user would write one for their own database:
 * entries
 * as PEM text in maps that several instances share (the {@link Backend}), leases by the backend's clock, a revision
 * counter, challenge answers with their time to live, account keys, corrupted entries moved aside; it checks key
 * pairs when it saves, so it tells the manager that its loads need no second check, and it reports its own
 * fitness. Thread-safe.
 */
final class MapCertificateStore implements CertificateStore, StoreDiagnostics {

    /** What several instances share, as a database would be. */
    static final class Backend {
        final Map<String, Entry> certificates = new ConcurrentHashMap<>();
        final Map<String, String> movedAside = new ConcurrentHashMap<>();
        final Map<String, String> accountKeys = new ConcurrentHashMap<>();
        final Map<String, Answer> challenges = new ConcurrentHashMap<>();
        final Map<String, Held> leases = new ConcurrentHashMap<>();
        final AtomicLong revision = new AtomicLong();
        final AtomicLong leaseIds = new AtomicLong();
        final Clock clock;
        volatile String unfit;

        Backend(Clock clock) {
            this.clock = clock;
        }
    }

    /** One certificate as text, with the listing's fields beside it. */
    record Entry(String chainPem, String keyPem, StoredCertificate listing) {
    }

    private record Answer(String value, Instant expires) {
    }

    private record Held(long id, Instant expires) {
    }

    private final Backend backend;

    MapCertificateStore(Backend backend) {
        this.backend = backend;
    }

    @Override
    public Optional<CertificateBundle> load(String name) throws IOException {
        var entry = backend.certificates.get(name);
        if (entry == null) {
            return Optional.empty();
        }
        try {
            var chain = Pem.readCertificates(entry.chainPem());
            return Optional.of(new CertificateBundle(name, entry.listing().domains(), chain,
                    Pem.readPrivateKey(entry.keyPem())));
        } catch (IOException | RuntimeException e) {
            var aside = name + ".corrupt-" + backend.revision.incrementAndGet();
            backend.certificates.remove(name, entry);
            backend.movedAside.put(aside, entry.chainPem());
            throw new CorruptedEntryException("Certificate " + name + " cannot be parsed; moved aside to " + aside,
                    aside, e);
        }
    }

    @Override
    public boolean loadChecksKeyPairs() {
        return true; // save refuses a key that does not belong to its certificate
    }

    @Override
    public void save(CertificateBundle bundle, Lease lease) throws IOException {
        if (!bundle.keyMatches()) {
            throw new IllegalArgumentException("The private key of " + bundle.name() + " does not belong to its "
                    + "certificate");
        }
        var entry = new Entry(Pem.certificates(bundle.chain()), Pem.privateKey(bundle.privateKey()),
                StoredCertificate.of(bundle));
        synchronized (backend) {
            checkHeld(bundle.name(), lease);
            backend.certificates.put(bundle.name(), entry);
            backend.revision.incrementAndGet();
        }
    }

    @Override
    public boolean delete(String name, Lease lease) throws IOException {
        synchronized (backend) {
            checkHeld(name, lease);
            var deleted = backend.certificates.remove(name) != null;
            if (deleted) {
                backend.revision.incrementAndGet();
            }
            return deleted;
        }
    }

    @Override
    public List<StoredCertificate> list() {
        var listing = new ArrayList<StoredCertificate>();
        backend.certificates.values().forEach(entry -> listing.add(entry.listing()));
        return listing;
    }

    @Override
    public String revision() {
        return Long.toString(backend.revision.get());
    }

    @Override
    public Optional<Lease> tryLease(String name, Duration duration) {
        synchronized (backend) {
            var now = backend.clock.instant();
            var held = backend.leases.get(name);
            if (held != null && held.expires().isAfter(now)) {
                return Optional.empty();
            }
            var taken = new Held(backend.leaseIds.incrementAndGet(), now.plus(duration));
            backend.leases.put(name, taken);
            return Optional.of(new MapLease(name, taken.id(), duration));
        }
    }

    @Override
    public Optional<KeyPair> loadAccountKey(String accountId) throws IOException {
        var pem = backend.accountKeys.get(accountId);
        return pem == null ? Optional.empty() : Optional.of(Pem.readKeyPair(pem));
    }

    @Override
    public void saveAccountKey(String accountId, KeyPair keyPair) {
        backend.accountKeys.put(accountId, Pem.keyPair(keyPair));
    }

    @Override
    public void putChallenge(String key, String value, Duration ttl) {
        backend.challenges.put(key, new Answer(value, backend.clock.instant().plus(ttl)));
    }

    @Override
    public Optional<String> challenge(String key) {
        var answer = backend.challenges.get(key);
        return answer == null || !answer.expires().isAfter(backend.clock.instant()) ? Optional.empty()
                : Optional.of(answer.value());
    }

    @Override
    public void removeChallenge(String key) {
        backend.challenges.remove(key);
    }

    @Override
    public Optional<String> unfit() {
        return Optional.ofNullable(backend.unfit);
    }

    @Override
    public List<String> warnings() {
        return List.of();
    }

    /** Called holding the backend's monitor. */
    private void checkHeld(String name, Lease lease) throws LeaseLostException {
        var held = backend.leases.get(name);
        if (!(lease instanceof MapLease mine) || !mine.name().equals(name) || held == null || held.id() != mine.id
                || !held.expires().isAfter(backend.clock.instant())) {
            throw new LeaseLostException("The lease of " + name + " is no longer held by this instance");
        }
    }

    private final class MapLease implements Lease {

        private final String name;
        private final long id;
        private final Duration duration;

        MapLease(String name, long id, Duration duration) {
            this.name = name;
            this.id = id;
            this.duration = duration;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Instant expiresAt() {
            var held = backend.leases.get(name);
            return held != null && held.id() == id ? held.expires() : Instant.EPOCH;
        }

        @Override
        public void renew() throws IOException {
            synchronized (backend) {
                checkHeld(name, this);
                backend.leases.put(name, new Held(id, backend.clock.instant().plus(duration)));
            }
        }

        @Override
        public void close() {
            synchronized (backend) {
                var held = backend.leases.get(name);
                if (held != null && held.id() == id) {
                    backend.leases.remove(name);
                }
            }
        }
    }
}

package dev.certpilot.core.internal.tls;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.CertificateBundle;
import dev.certpilot.core.ManagedCertificate;
import dev.certpilot.core.StorageException;
import dev.certpilot.core.internal.base.IpAddresses;
import dev.certpilot.core.spi.StoredCertificate;

/**
 * What is served, indexed for the TLS handshake: each managed certificate by name and by domain (exact, and
 * wildcard one label up), with its chain and key parsed when first needed and kept in a {@link BundleCache} of
 * bounded size. A certificate not in memory is read from the store at its next use; one with no certificate from
 * the CA gets a self-signed bootstrap certificate, made when first needed. Names come and go while handshakes run:
 * lookups read concurrent maps and volatile fields without locks; only a certificate coming into memory takes its
 * entry's monitor. Only the renewal engine changes what is served. Thread-safe.
 */
public final class ServedCertificates {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.renewal");

    private final CertificateLoader loader;
    private final Clock clock;
    private final BundleCache cache;
    private final ConcurrentHashMap<String, ServedCertificate> byName;
    private final ConcurrentHashMap<String, ServedCertificate> byDomain;
    private final String preferredDefault;
    private volatile ServedCertificate first;
    private volatile ServedCertificate firstWithAddress;
    private volatile Consumer<String> unusable = name -> { };
    /** Set when the manager closed: handshakes still get certificates, which are no longer renewed. */
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean warnedClosed = new AtomicBoolean();
    private long added;

    /**
     * @param preferredDefault the certificate for clients without SNI, or null for the first one added that lists an
     *                         IP address (such clients connect by address), else the first one added
     * @param cacheSize        how many certificates are kept parsed in memory
     * @param expected         how many certificates are expected, to size the indexes once
     */
    public ServedCertificates(CertificateLoader loader, Clock clock, String preferredDefault, int cacheSize, int expected) {
        this.byName = new ConcurrentHashMap<>(expected);
        this.byDomain = new ConcurrentHashMap<>(expected);
        this.loader = loader;
        this.clock = clock;
        this.preferredDefault = preferredDefault;
        this.cache = new BundleCache(cacheSize);
    }

    /** Tells {@code listener} the name of a certificate whose stored copy turned out unusable when it was read. */
    public void onUnusable(Consumer<String> listener) {
        this.unusable = listener;
    }

    /**
     * Serves {@code certificate} from now on: the CA's certificate {@code stored} lists (read at its first use), or,
     * when null, a bootstrap certificate; {@code looked} says whether the store was already asked.
     */
    public synchronized void add(ManagedCertificate certificate, StoredCertificate stored, boolean looked) {
        var entry = new ServedCertificate(certificate, added++);
        synchronized (entry) {
            entry.issued(stored);
        }
        entry.looked = looked || stored != null;
        byName.put(certificate.name(), entry);
        for (var domain : certificate.domains()) {
            byDomain.put(domain, entry);
        }
        var current = first;
        if (current == null || current.removed) {
            first = entry;
        }
        var addressed = firstWithAddress;
        if ((addressed == null || addressed.removed) && hasAddress(certificate)) {
            firstWithAddress = entry;
        }
    }

    /** Records what the store's listing says of {@code name}: the CA's certificate {@code stored}, or none if null. */
    public void listed(String name, StoredCertificate stored) {
        var entry = byName.get(name);
        if (entry == null) {
            return;
        }
        synchronized (entry) {
            var bundle = entry.bundle;
            if (bundle != null && stored != null && !bundle.serialNumber().equals(stored.serial())) {
                entry.bundle = null; // read again at its next use
            }
            if (stored != null || !entry.hasIssued()) {
                entry.issued(stored);
            }
            entry.looked = true;
        }
    }

    /** Stops serving {@code name}; a handshake that found it a moment ago still completes. */
    public synchronized void remove(String name) {
        var entry = byName.remove(name);
        if (entry == null) {
            return;
        }
        entry.removed = true;
        for (var domain : entry.certificate.domains()) {
            byDomain.remove(domain, entry);
        }
        cache.remove(entry);
        var bundle = entry.bundle;
        if (bundle != null) {
            cache.remember(bundle); // for a handshake that chose it a moment ago
        }
        if (first == entry) {
            first = byName.values().stream().min(Comparator.comparingLong(e -> e.order)).orElse(null);
        }
        if (firstWithAddress == entry) {
            firstWithAddress = byName.values().stream().filter(e -> hasAddress(e.certificate))
                    .min(Comparator.comparingLong(e -> e.order)).orElse(null);
        }
    }

    /** Serves {@code issued}, a certificate from the CA, from the next handshake on. */
    public void publish(CertificateBundle issued) {
        var entry = byName.get(issued.name());
        if (entry == null) {
            return;
        }
        synchronized (entry) {
            var previous = entry.bundle;
            entry.bundle = issued;
            entry.issued(StoredCertificate.of(issued));
            entry.looked = true;
            entry.used = true;
            if (previous != null && previous != issued) {
                cache.remember(previous);
            }
        }
        cache.admit(entry);
    }

    /** Serves a bootstrap certificate for {@code name} again: its stored one is gone or unusable. */
    void withdraw(String name) {
        var entry = byName.get(name);
        if (entry != null) {
            synchronized (entry) {
                entry.issued(null);
                entry.looked = true;
                entry.bundle = null;
            }
        }
    }

    /**
     * What the listing says of the CA's certificate served for {@code name}; null while a bootstrap one is.
     *
     * @throws StorageException if the store must be read (a certificate managed at run time) and fails
     */
    public StoredCertificate issuedInfo(String name) {
        var entry = byName.get(name);
        if (entry == null) {
            return null;
        }
        if (!entry.looked) {
            lookUp(entry); // a certificate managed at run time: is there one in the store?
        }
        return entry.issued();
    }

    /** The CA's certificate served for {@code name}, read from the store if not in memory; null if none. */
    public CertificateBundle issued(String name) {
        var entry = byName.get(name);
        if (entry == null) {
            return null;
        }
        var bundle = bundle(entry);
        var serial = entry.issuedSerial();
        return bundle != null && serial != null && bundle.serialNumber().equals(serial) ? bundle : null;
    }

    /** The CA's certificate served for {@code name} if it is in memory now, else null; reads nothing. */
    public CertificateBundle inMemory(String name) {
        var entry = byName.get(name);
        var serial = entry == null ? null : entry.issuedSerial();
        var bundle = entry == null ? null : entry.bundle;
        return serial != null && bundle != null && bundle.serialNumber().equals(serial) ? bundle : null;
    }

    /** The certificate served for {@code name}: the CA's, else a bootstrap one; null if it is not managed. */
    public CertificateBundle byName(String name) {
        var entry = byName.get(name);
        return entry == null ? null : bundle(entry);
    }

    /** The name of the certificate listing {@code domain} exactly, or null. */
    public String owner(String domain) {
        var entry = byDomain.get(domain);
        return entry == null ? null : entry.name();
    }

    /** Whether {@code domain} is one of the managed certificates' domains, exactly. */
    public boolean hasDomain(String domain) {
        return byDomain.containsKey(domain);
    }

    /** The managed certificate covering {@code host}: exact match first, then a wildcard one label up; or null. */
    public ServedCertificate forHost(String host) {
        if (host == null || host.isEmpty()) {
            return null;
        }
        var name = host.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        var exact = byDomain.get(name);
        if (exact != null) {
            return exact;
        }
        var dot = name.indexOf('.');
        return dot > 0 ? byDomain.get("*" + name.substring(dot)) : null;
    }

    /** The certificate for clients that send no name or one that nothing covers; null if none is managed. */
    ServedCertificate fallback() {
        if (preferredDefault != null) {
            var preferred = byName.get(preferredDefault);
            if (preferred != null) {
                return preferred;
            }
        }
        var addressed = firstWithAddress;
        return addressed != null ? addressed : first;
    }

    /**
     * The bundle to serve for {@code entry}: the one in memory, else the CA's certificate read from the store,
     * else a bootstrap certificate; null only if the store cannot be read.
     */
    public CertificateBundle bundle(ServedCertificate entry) {
        var bundle = entry.bundle;
        if (bundle == null) {
            bundle = load(entry);
        }
        if (bundle != null && !entry.used) {
            entry.used = true;
        }
        return bundle;
    }

    /** The bundle of {@code alias} ({@code name@serial}): served now, or replaced or evicted a moment ago. */
    CertificateBundle byAlias(String alias) {
        if (alias == null) {
            return null;
        }
        var at = alias.lastIndexOf('@');
        var entry = at < 0 ? null : byName.get(alias.substring(0, at));
        var bundle = entry == null ? null : entry.bundle;
        if (bundle != null && alias(bundle).equals(alias)) {
            return bundle;
        }
        return cache.recent(alias);
    }

    /** The bundles in memory now. */
    List<CertificateBundle> inMemory() {
        var result = new ArrayList<CertificateBundle>();
        for (var entry : cache.inMemory()) {
            var bundle = entry.bundle;
            if (bundle != null) {
                result.add(bundle);
            }
        }
        return result;
    }

    /** Every managed certificate, in the order they were added. */
    List<ServedCertificate> all() {
        var result = new ArrayList<>(byName.values());
        result.sort(Comparator.comparingLong(e -> e.order));
        return result;
    }

    Collection<ServedCertificate> unordered() {
        return byName.values();
    }

    /** Reads the store for {@code entry} if it has a CA certificate not in memory or was never looked up. */
    private void lookUp(ServedCertificate entry) {
        String problem = null;
        synchronized (entry) {
            var listed = entry.issued();
            if (entry.bundle != null || listed == null && entry.looked) {
                return;
            }
            var stored = loader.loadUsable(entry.certificate, clock.instant());
            if (stored != null && (listed == null || stored.notAfter().compareTo(listed.notAfter()) >= 0)) {
                entry.bundle = stored;
                entry.issued(StoredCertificate.of(stored));
            } else if (listed != null) {
                problem = "is no longer in the store or not usable";
                entry.issued(null);
            }
            entry.looked = true;
        }
        if (problem != null) {
            LOG.warn("Stored certificate {} {}; serving a bootstrap certificate until one is obtained", entry.name(),
                    problem);
            unusable.accept(entry.name());
        }
        if (entry.bundle != null && !entry.removed) {
            cache.admit(entry);
        }
    }

    private CertificateBundle load(ServedCertificate entry) {
        try {
            lookUp(entry);
        } catch (StorageException e) {
            LOG.warn("Cannot read certificate {} for a handshake: {}", entry.name(), e.getMessage());
            return null;
        }
        CertificateBundle loaded;
        synchronized (entry) {
            if (entry.bundle == null) {
                entry.bundle = loader.bootstrap(entry.certificate, clock.instant());
            }
            loaded = entry.bundle;
        }
        if (!entry.removed) {
            cache.admit(entry);
        }
        return loaded;
    }

    static String alias(CertificateBundle bundle) {
        return bundle.name() + "@" + bundle.serialNumber().toString(16);
    }

    /** Whether any of the certificate's names is an IP address. */
    private static boolean hasAddress(ManagedCertificate certificate) {
        return certificate.domains().stream().anyMatch(IpAddresses::looksLikeIp);
    }

    /** The manager closed: from now on, the first handshake logs once that nothing is renewed any more. */
    public void closed() {
        closed.set(true);
    }

    /**
     * Called on each handshake: once the manager is closed, the first one logs at WARN that what it serves is no
     * longer renewed (a manager closed while its server goes on, as a try-with-resources around a server that
     * starts in the background does).
     */
    void warnIfClosed() {
        if (closed.get() && warnedClosed.compareAndSet(false, true)) {
            LOG.warn("A TLS handshake used the key manager of a closed CertificateManager: its certificates are no "
                    + "longer renewed and will expire. Keep the manager open as long as the server runs: close it "
                    + "when the server stops, not when the block that started it ends");
        }
    }
}

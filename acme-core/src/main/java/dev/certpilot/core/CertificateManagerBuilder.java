package dev.certpilot.core;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

import dev.certpilot.core.internal.acme.Issuer;
import dev.certpilot.core.internal.renewal.ManagerSettings;
import dev.certpilot.core.internal.renewal.RenewalPolicy;
import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.ChallengeResponder;
import dev.certpilot.core.spi.Dns01Responder;

/**
 * Configures a {@link CertificateManager}. Each setter checks its value at once and names the fault;
 * {@link #build()} checks the combination. Not thread-safe; the manager it builds shares nothing with it.
 */
public final class CertificateManagerBuilder {

    /** The default of {@link #keyType(KeyType)}. */
    public static final KeyType DEFAULT_KEY_TYPE = KeyType.EC_P256;
    /** The default of {@link #networkTimeout(Duration)}. */
    public static final Duration DEFAULT_NETWORK_TIMEOUT = Duration.ofSeconds(30);
    /** The default of {@link #issuanceTimeout(Duration)}. */
    public static final Duration DEFAULT_ISSUANCE_TIMEOUT = Duration.ofMinutes(3);
    /** The default first pause of {@link #retryBackoff(Duration, Duration)}. */
    public static final Duration DEFAULT_RETRY_INITIAL = Duration.ofMinutes(1);
    /** The default longest pause of {@link #retryBackoff(Duration, Duration)}. */
    public static final Duration DEFAULT_RETRY_MAX = Duration.ofHours(6);
    /** The default of {@link #failoverAfter(int)}. */
    public static final int DEFAULT_FAILOVER_AFTER = 3;
    /** The default of {@link #expiryWarning(Duration)}. */
    public static final Duration DEFAULT_EXPIRY_WARNING = Duration.ofDays(7);
    /** The default of {@link #checkInterval(Duration)}. */
    public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofHours(1);
    /** The default of {@link #concurrentOrders(int)}. */
    public static final int DEFAULT_CONCURRENT_ORDERS = 4;
    /** The default of {@link #leaseDuration(Duration)}. */
    public static final Duration DEFAULT_LEASE_DURATION = Duration.ofMinutes(1);
    /** The default of {@link #storePollInterval(Duration)}. */
    public static final Duration DEFAULT_STORE_POLL_INTERVAL = Duration.ofSeconds(1);
    /** The default of {@link #cacheSize(int)}. */
    public static final int DEFAULT_CACHE_SIZE = 10_000;

    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");

    private final List<CertificateAuthority> cas = new ArrayList<>();
    private String email;
    private boolean termsOfServiceAgreed;
    private final LinkedHashMap<String, ManagedCertificate> certificates = new LinkedHashMap<>();
    private final Map<String, String> certificateOfDomain = new HashMap<>();
    private KeyType keyType = DEFAULT_KEY_TYPE;
    private CertificateStore store;
    private final List<ChallengeResponder> responders = new ArrayList<>();
    private Clock clock = Clock.systemUTC();
    private Duration networkTimeout = DEFAULT_NETWORK_TIMEOUT;
    private Duration issuanceTimeout = DEFAULT_ISSUANCE_TIMEOUT;
    private double renewalWindow; // 0: RenewalPolicy's default, by lifetime
    private Duration retryInitial = DEFAULT_RETRY_INITIAL;
    private Duration retryMax = DEFAULT_RETRY_MAX;
    private int failoverAfter = DEFAULT_FAILOVER_AFTER;
    private Duration expiryWarning = DEFAULT_EXPIRY_WARNING;
    private Duration checkInterval = DEFAULT_CHECK_INTERVAL;
    private int concurrentOrders = DEFAULT_CONCURRENT_ORDERS;
    private Duration leaseDuration = DEFAULT_LEASE_DURATION;
    private Duration storePollInterval = DEFAULT_STORE_POLL_INTERVAL;
    private final List<CertificateListener> listeners = new ArrayList<>();
    private Notifications notifications;
    private Preflight preflight = Preflight.defaults();
    private String defaultName;
    private OnDemandTls onDemand;
    private int cacheSize = DEFAULT_CACHE_SIZE;
    RandomGenerator random = new SecureRandom();
    UnaryOperator<Issuer> issuerDecorator = UnaryOperator.identity();

    CertificateManagerBuilder() {
    }

    /**
     * The CA to obtain certificates from. Required: use {@link CertificateAuthority#LETS_ENCRYPT_STAGING}
     * while testing, {@link CertificateAuthority#LETS_ENCRYPT} in production.
     *
     * @param ca the CA
     * @return this builder
     */
    public CertificateManagerBuilder certificateAuthority(CertificateAuthority ca) {
        return certificateAuthorities(ca);
    }

    /**
     * The CAs to obtain certificates from, in order of preference, replacing any given before: after
     * {@link #failoverAfter} failures in a row with one, the next is tried, and every success returns to the
     * first. For example Let's Encrypt, then ZeroSSL with External Account Binding.
     *
     * @param first the preferred CA
     * @param fallbacks the CAs to fail over to, in order
     * @return this builder
     */
    public CertificateManagerBuilder certificateAuthorities(CertificateAuthority first, CertificateAuthority... fallbacks) {
        var all = new ArrayList<CertificateAuthority>();
        all.add(Objects.requireNonNull(first, "ca"));
        for (var fallback : fallbacks) {
            var ca = Objects.requireNonNull(fallback, "ca");
            if (all.stream().anyMatch(c -> c.directory().equals(ca.directory()))) {
                throw new IllegalArgumentException("CA " + ca.directory() + " is listed twice");
            }
            all.add(ca);
        }
        cas.clear();
        cas.addAll(all);
        return this;
    }

    /**
     * Contact address registered with the account; optional.
     *
     * @param email the contact address, such as {@code ops@example.com}
     * @return this builder
     */
    public CertificateManagerBuilder email(String email) {
        if (email == null || !EMAIL.matcher(email).matches()) {
            throw new IllegalArgumentException("email must be an address such as ops@example.com, got '"
                    + email + "'");
        }
        this.email = email;
        return this;
    }

    /**
     * Accepts the CA's terms of service, which every public CA requires. Required.
     *
     * @return this builder
     */
    public CertificateManagerBuilder agreeToTermsOfService() {
        this.termsOfServiceAgreed = true;
        return this;
    }

    /**
     * Adds a certificate called {@code name} for {@code domains}.
     *
     * @param name the certificate's name, unique in this manager and used for its storage
     * @param domains its domain names (the first is its subject), wildcards or IP addresses
     * @return this builder
     * @throws IllegalArgumentException if the name or a domain is invalid, or the name is taken
     */
    public CertificateManagerBuilder certificate(String name, String... domains) {
        return certificate(new ManagedCertificate(name, List.of(domains)));
    }

    /**
     * Adds a certificate for {@code domain} alone, named after it.
     *
     * @param domain the domain name, which also names the certificate
     * @return this builder
     */
    public CertificateManagerBuilder domain(String domain) {
        return certificate(ManagedCertificate.of(domain));
    }

    /**
     * Adds a certificate.
     *
     * @param certificate the certificate's name, domains and options
     * @return this builder
     * @throws IllegalArgumentException if its name is taken or one of its domains is in another certificate
     */
    public CertificateManagerBuilder certificate(ManagedCertificate certificate) {
        Objects.requireNonNull(certificate, "certificate");
        if (certificates.containsKey(certificate.name())) {
            throw new IllegalArgumentException("Two certificates are named '" + certificate.name()
                    + "': give each a distinct name");
        }
        for (var domain : certificate.domains()) {
            var other = certificateOfDomain.get(domain);
            if (other != null) {
                throw new IllegalArgumentException("Domain " + domain + " is in certificates '" + other
                        + "' and '" + certificate.name() + "': list it in one only");
            }
        }
        for (var domain : certificate.domains()) {
            certificateOfDomain.put(domain, certificate.name());
        }
        certificates.put(certificate.name(), certificate);
        return this;
    }

    /**
     * The kind of key for certificates; default {@link KeyType#EC_P256}.
     *
     * @param keyType the key algorithm and size
     * @return this builder
     */
    public CertificateManagerBuilder keyType(KeyType keyType) {
        this.keyType = Objects.requireNonNull(keyType, "keyType");
        return this;
    }

    /**
     * Where certificates, account keys, leases and pending challenge answers are kept; default
     * {@link #storageDirectory} at its default. Instances that share a store share its certificates.
     *
     * @param store the store
     * @return this builder
     */
    public CertificateManagerBuilder store(CertificateStore store) {
        this.store = Objects.requireNonNull(store, "store");
        return this;
    }

    /**
     * Keeps certificates in a {@link FileCertificateStore} at {@code directory}. Default
     * {@code $XDG_DATA_HOME/certpilot}, else {@code ~/.local/share/certpilot}. Put it on persistent storage.
     *
     * @param directory the directory, created if missing
     * @return this builder
     */
    public CertificateManagerBuilder storageDirectory(Path directory) {
        return store(new FileCertificateStore(directory));
    }

    /**
     * The challenge responders, in order of preference; replaces any given before. Required. For each
     * domain the first one the CA offers and that suits the name is used; if its validation fails the next
     * is tried. Wildcard names need a {@link Dns01Responder}.
     *
     * @param responders the responders, at least one
     * @return this builder
     */
    public CertificateManagerBuilder challenges(ChallengeResponder... responders) {
        if (responders.length == 0) {
            throw new IllegalArgumentException("challenges needs at least one responder");
        }
        var types = new HashSet<String>();
        for (var responder : responders) {
            Objects.requireNonNull(responder, "responder");
            if (!types.add(responder.challengeType())) {
                throw new IllegalArgumentException("Two " + responder.challengeType() + " responders given: "
                        + "give at most one per challenge type");
            }
        }
        this.responders.clear();
        this.responders.addAll(List.of(responders));
        return this;
    }

    /**
     * The clock that judges validity, due times and back-offs; default the system clock. Give your own to drive time
     * in your tests (scheduled checks still wait in real time, up to the check interval).
     *
     * @param clock the clock
     * @return this builder
     */
    public CertificateManagerBuilder clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /**
     * How long to wait for the CA to connect and answer one request; default 30 seconds.
     *
     * @param timeout the time for one request, positive
     * @return this builder
     */
    public CertificateManagerBuilder networkTimeout(Duration timeout) {
        this.networkTimeout = positive(timeout, "networkTimeout");
        return this;
    }

    /**
     * How long one certificate's order, validation and issuance may take in all; default 3 minutes.
     *
     * @param timeout the time for one order, positive
     * @return this builder
     */
    public CertificateManagerBuilder issuanceTimeout(Duration timeout) {
        this.issuanceTimeout = positive(timeout, "issuanceTimeout");
        return this;
    }

    /**
     * Renew once less than {@code fraction} of a certificate's lifetime remains, for every certificate; default 1/3
     * (30 days of Let's Encrypt's 90), and 1/2 for short-lived certificates of 10 days or less (3 days of Let's
     * Encrypt's six-day ones). Scales with the lifetime. When the CA publishes a renewal window (ACME Renewal
     * Information) that window is used instead. Renewals are spread randomly over up to a tenth of the window before
     * it, so that instances don't all call the CA at once.
     *
     * @param fraction the share of the lifetime left when renewal is due, above 0 and below 1
     * @return this builder
     */
    public CertificateManagerBuilder renewalWindow(double fraction) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("renewalWindow must be a fraction of the lifetime between 0 and "
                    + "1 (exclusive), such as 0.33, got " + fraction);
        }
        this.renewalWindow = fraction;
        return this;
    }

    /**
     * Back-off between failed attempts: {@code initial} after the first failure, doubled after each further
     * one up to {@code max}, plus up to a tenth at random; never earlier than a rate limit's Retry-After.
     * Default 1 minute growing to 6 hours.
     *
     * @param initial the wait after the first failure
     * @param max the longest wait
     * @return this builder
     */
    public CertificateManagerBuilder retryBackoff(Duration initial, Duration max) {
        positive(initial, "retryBackoff initial");
        positive(max, "retryBackoff max");
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("retryBackoff max (" + max + ") must not be less than initial ("
                    + initial + ")");
        }
        this.retryInitial = initial;
        this.retryMax = max;
        return this;
    }

    /**
     * Failures in a row with one CA before the next configured CA is tried; default 3.
     *
     * @param failures the failures in a row, at least 1
     * @return this builder
     */
    public CertificateManagerBuilder failoverAfter(int failures) {
        if (failures < 1) {
            throw new IllegalArgumentException("failoverAfter must be at least 1, got " + failures);
        }
        this.failoverAfter = failures;
        return this;
    }

    /**
     * Emit {@link CertificateEvent.Expiring} when renewal fails and less than this remains (or half the renewal
     * window, if shorter); default 7 days.
     *
     * @param remaining the time left before expiry that makes a failing renewal an {@code Expiring} event
     * @return this builder
     */
    public CertificateManagerBuilder expiryWarning(Duration remaining) {
        this.expiryWarning = positive(remaining, "expiryWarning");
        return this;
    }

    /**
     * The longest time between two checks of a certificate, which notices a changed renewal window, a
     * certificate renewed by another instance, or a jump of the clock; default 1 hour.
     *
     * @param interval the longest time between checks, positive
     * @return this builder
     */
    public CertificateManagerBuilder checkInterval(Duration interval) {
        this.checkInterval = positive(interval, "checkInterval");
        return this;
    }

    /**
     * How many orders may run at once (the size of the renewal pool); default 4. Keep it small: public CAs
     * limit new orders per account and hour (Let's Encrypt: 300 per 3 hours).
     *
     * @param orders the orders at once, at least 1
     * @return this builder
     */
    public CertificateManagerBuilder concurrentOrders(int orders) {
        if (orders < 1 || orders > 64) {
            throw new IllegalArgumentException("concurrentOrders must be 1 to 64, got " + orders);
        }
        this.concurrentOrders = orders;
        return this;
    }

    /**
     * The certificate presented to TLS clients that send no SNI name or one no certificate covers, unless the
     * server tells the address a client connected to and a certificate lists it; default the first one configured
     * that lists an IP address (clients connecting by address send no name), else the first one configured.
     *
     * @param name the name of a certificate given to this builder
     * @return this builder
     */
    public CertificateManagerBuilder defaultCertificate(String name) {
        this.defaultName = Objects.requireNonNull(name, "name");
        return this;
    }

    /**
     * How long the store's lease of a certificate lasts unless renewed; default 1 minute. The instance ordering a
     * certificate renews its lease every third of this while the order runs; if it dies or loses the store,
     * another instance takes over at the latest this long after its last renewal. Keep it well above the clock
     * skew between hosts when the store compares their clocks (a shared directory).
     *
     * @param duration the lease's lifetime, positive
     * @return this builder
     */
    public CertificateManagerBuilder leaseDuration(Duration duration) {
        positive(duration, "leaseDuration");
        if (duration.compareTo(Duration.ofSeconds(3)) < 0) {
            throw new IllegalArgumentException("leaseDuration must be at least 3 seconds (it is renewed every "
                    + "third of it), got " + duration);
        }
        this.leaseDuration = duration;
        return this;
    }

    /**
     * How often to ask the store whether another instance sharing it obtained or renewed a certificate, which is
     * then served here too; default 1 second. With a store that has a {@link dev.certpilot.core.spi.ChangeFeed}, each
     * poll reads only what changed since the last one (one indexed read when nothing did); else it reads the store's
     * revision, and the listing only when that changed. A store that signals its changes
     * ({@link dev.certpilot.core.spi.ChangeSignals}, PostgreSQL) is also read at each signal.
     *
     * @param interval the time between polls, positive
     * @return this builder
     */
    public CertificateManagerBuilder storePollInterval(Duration interval) {
        this.storePollInterval = positive(interval, "storePollInterval");
        return this;
    }

    /**
     * Turns on on-demand TLS: a handshake for a name no certificate covers gets one obtained during the handshake, if
     * {@code onDemand}'s decision allows the name. Off by default.
     *
     * @param onDemand the decision and limits
     * @return this builder
     */
    public CertificateManagerBuilder onDemand(OnDemandTls onDemand) {
        this.onDemand = Objects.requireNonNull(onDemand, "onDemand");
        return this;
    }

    /**
     * How many certificates are kept parsed in memory, the ones used most recently; default 10,000. Others are read
     * from the store at their next handshake (about a millisecond from a local disk). All are renewed whatever this
     * is: scheduling needs only the store's listing.
     *
     * @param certificates the certificates kept parsed, at least 1
     * @return this builder
     */
    public CertificateManagerBuilder cacheSize(int certificates) {
        if (certificates < 1) {
            throw new IllegalArgumentException("cacheSize must be at least 1 certificate, got " + certificates);
        }
        this.cacheSize = certificates;
        return this;
    }

    /**
     * What is checked before the first order for a name: DNS, CAA and an HTTP-01 probe of each address, as the CA
     * will check them; a failure places no order and says what to fix. Default: {@link Preflight#defaults()}, which
     * runs before orders from public CAs only (Let's Encrypt, ZeroSSL, Google Trust Services).
     *
     * @param preflight the checks
     * @return this builder
     */
    public CertificateManagerBuilder preflight(Preflight preflight) {
        this.preflight = Objects.requireNonNull(preflight, "preflight");
        return this;
    }

    /**
     * Tells operators what goes wrong (and when it is over) through {@code notifications}' notifiers: mail, a
     * webhook, or a notifier of your own. Off by default: without it, only events, logs, health and metrics say so.
     *
     * @param notifications the notifiers and how often they are told
     * @return this builder
     */
    public CertificateManagerBuilder notifications(Notifications notifications) {
        this.notifications = Objects.requireNonNull(notifications, "notifications");
        return this;
    }

    /**
     * Adds a listener for {@link CertificateEvent}s, registered before anything happens.
     *
     * @param listener the listener, called on the manager's threads
     * @return this builder
     */
    public CertificateManagerBuilder listener(CertificateListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /**
     * Builds the manager; call {@link CertificateManager#start()} on it.
     *
     * @return the manager, not yet started
     * @throws IllegalStateException naming what is missing or inconsistent
     */
    public CertificateManager build() {
        if (cas.isEmpty()) {
            throw new IllegalStateException("No CA: call certificateAuthority(CertificateAuthority"
                    + ".LETS_ENCRYPT_STAGING) while testing, CertificateAuthority.LETS_ENCRYPT in production");
        }
        if (!termsOfServiceAgreed) {
            throw new IllegalStateException("The CA's terms of service must be accepted: read them (linked "
                    + "from " + cas.get(0).directory() + ") and call agreeToTermsOfService()");
        }
        if (responders.isEmpty()) {
            throw new IllegalStateException("No challenge responder: call challenges(...) with, for example, "
                    + "new InMemoryHttp01Responder() served on port 80 by AcmeChallengeFilter");
        }
        if (defaultName != null && !certificates.containsKey(defaultName)) {
            throw new IllegalStateException("defaultCertificate('" + defaultName + "') names no certificate; "
                    + "configured: " + certificates.keySet());
        }
        for (var certificate : certificates.values()) {
            var problem = certificate.unvalidatable(responders);
            if (problem != null) {
                throw new IllegalStateException(problem);
            }
        }
        var policy = new RenewalPolicy(renewalWindow, retryInitial, retryMax, expiryWarning, checkInterval,
                failoverAfter, random.nextLong());
        var storage = new ManagerSettings.Storage(store != null ? store : new FileCertificateStore(defaultStorage()),
                leaseDuration, storePollInterval);
        return new CertificateManager(new ManagerSettings(cas, email, List.copyOf(certificates.values()),
                defaultName, keyType, storage, responders, clock,
                new ManagerSettings.Timeouts(networkTimeout, issuanceTimeout), policy, concurrentOrders, listeners,
                random, onDemand, cacheSize, notifications, preflight), issuerDecorator);
    }

    static Path defaultStorage() {
        var xdg = System.getenv("XDG_DATA_HOME");
        var base = xdg != null && !xdg.isBlank() ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".local", "share");
        return base.resolve("certpilot");
    }

    private static Duration positive(Duration value, String field) {
        Objects.requireNonNull(value, field);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(field + " must be positive, got " + value);
        }
        return value;
    }
}

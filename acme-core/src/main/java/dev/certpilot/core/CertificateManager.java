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
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

import javax.net.ssl.X509ExtendedKeyManager;

import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.ChallengeResponder;
import dev.certpilot.core.spi.Dns01Responder;
import dev.certpilot.core.spi.TlsAlpn01Responder;

/**
 * Obtains certificates from an ACME CA for the configured domains, keeps them in a {@link CertificateStore},
 * serves them to TLS servers, and renews them before they expire.
 *
 * <pre>{@code
 * var http01 = new InMemoryHttp01Responder();          // serve it with AcmeChallengeFilter on port 80
 * try (var manager = CertificateManager.builder()
 *         .certificateAuthority(CertificateAuthority.LETS_ENCRYPT_STAGING)
 *         .email("ops@example.com")
 *         .agreeToTermsOfService()
 *         .certificate("shop", "shop.example.com", "www.shop.example.com")
 *         .challenges(http01)
 *         .storageDirectory(Path.of("/var/lib/myapp/certificates"))
 *         .build()) {
 *     manager.start();              // stored certificates at once, a self-signed one until the first is issued
 *     sslContext.init(new KeyManager[] {manager.keyManager()}, null, null);
 *     manager.awaitCertificates(Duration.ofMinutes(2));
 * }
 * }</pre>
 *
 * <p>On {@link #start()}, a stored certificate that is still valid and covers the configured domains is served
 * at once, with no call to the CA; the others are obtained in the background. From then on one scheduler renews
 * each certificate when due, retries failures with back-off (and the next CA, if several are configured), and
 * tells {@link CertificateListener}s. Instances of an application that share one store (a database store such as
 * {@code certpilot-jdbc}'s) form a cluster: each certificate is ordered by one of them under the store's lease, any
 * of them answers the CA's HTTP-01 and TLS-ALPN-01 requests (through their {@link InMemoryHttp01Responder} and
 * {@link InMemoryTlsAlpn01Responder}), and all serve a new certificate within a {@link Builder#storePollInterval
 * poll}. Thread-safe: reads ({@link #certificate}, {@link #certificateForHost},
 * {@link #status()}, the {@link #keyManager()}) see an immutable snapshot or volatile state and never block.
 */
public final class CertificateManager implements AutoCloseable {

    private final List<ManagedCertificate> certificates;
    private final String defaultName;
    private final CertificateStore store;
    private final List<Issuer> issuers;
    private final Renewer renewer;
    private final SharedChallenges challenges;
    private final List<ChallengeResponder> responders;
    private final SniKeyManager keyManager;
    private final Object lifecycle = new Object();
    private final ServedCertificates served = new ServedCertificates();
    private boolean prepared;
    private boolean started;
    private boolean closed;

    private CertificateManager(ManagerSettings settings, UnaryOperator<Issuer> issuerDecorator) {
        this.certificates = settings.certificates();
        this.defaultName = settings.defaultName();
        this.store = settings.store();
        var issuers = new ArrayList<Issuer>();
        for (var ca : settings.cas()) {
            issuers.add(issuerDecorator.apply(new AcmeClient(ca, settings.email(), store, settings.networkTimeout(),
                    settings.keyType())));
        }
        this.issuers = List.copyOf(issuers);
        var domains = new java.util.HashSet<String>();
        settings.certificates().forEach(c -> domains.addAll(c.domains()));
        this.challenges = new SharedChallenges(store, domains, settings.issuanceTimeout().plusMinutes(5));
        for (var responder : settings.responders()) {
            if (responder instanceof InMemoryHttp01Responder http) {
                http.share(challenges);
            } else if (responder instanceof InMemoryTlsAlpn01Responder tls) {
                tls.share(challenges);
            }
        }
        this.responders = settings.responders();
        this.renewer = new Renewer(settings, this.issuers, served, challenges.publishing(settings.responders()));
        var tlsAlpn = settings.responders().stream().filter(TlsAlpn01Responder.class::isInstance)
                .map(TlsAlpn01Responder.class::cast).findFirst().orElse(null);
        this.keyManager = new SniKeyManager(served::snapshot, this::defaultCertificate, tlsAlpn);
    }

    /** Returns a builder; see its setters for every option and its default. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Serves certificates without calling the CA: stored ones that are valid and cover their configured domains,
     * and a self-signed bootstrap certificate for the others. Call it before starting a TLS server that needs a
     * certificate to start, then {@link #start()} once the server listens, so that the CA can validate through
     * it. {@link #start()} calls it if needed. Calling it again does nothing.
     *
     * @throws StorageException      if the store fails (a corrupted entry is moved aside and obtained again)
     * @throws IllegalStateException if the manager is closed
     */
    public void prepare() {
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("CertificateManager is closed; build a new one");
            }
            if (prepared) {
                return;
            }
            prepared = true;
        }
        renewer.prepare();
    }

    /**
     * Starts maintaining the certificates, without blocking: after {@link #prepare()} (called here if needed),
     * missing certificates are obtained in the background, and from then on each certificate is renewed when
     * due, with retries and events. Calling it again does nothing. Use {@link #awaitCertificates(Duration)} to
     * wait for the CA's certificates.
     *
     * @throws StorageException      if the store fails (a corrupted entry is moved aside and obtained again)
     * @throws IllegalStateException if the manager is closed
     */
    public void start() {
        prepare();
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("CertificateManager is closed; build a new one");
            }
            if (started) {
                return;
            }
            started = true;
        }
        renewer.start();
    }

    /**
     * Waits until every managed certificate is served from the CA (not the bootstrap certificate).
     *
     * @throws ChallengeFailedException if the CA could not validate a domain of a certificate that has none yet
     * @throws AcmeServerException      if the CA cannot be reached or refuses, for such a certificate
     * @throws StorageException         if the store fails for such a certificate
     * @throws CertpilotException       if {@code timeout} passes first; the manager keeps trying meanwhile
     * @throws IllegalStateException    if the manager is not started
     */
    public void awaitCertificates(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        synchronized (lifecycle) {
            if (!started) {
                throw new IllegalStateException("Call start() before awaitCertificates()");
            }
        }
        renewer.awaitCertificates(timeout);
    }

    /**
     * Orders a new certificate for {@code name} now, on the calling thread, whatever its expiry. On failure the
     * current certificate stays served and retries follow the back-off schedule.
     *
     * @return the new certificate, already served
     * @throws IllegalArgumentException if no managed certificate has that name
     * @throws CertpilotException       if the renewal failed
     */
    public CertificateBundle renewNow(String name) {
        requireStarted();
        return renewer.renewNow(name);
    }

    /**
     * Revokes the certificate served for {@code name} at the CA, then orders a new one at once.
     *
     * @return the new certificate, already served
     * @throws IllegalStateException if {@code name} has no certificate from the CA yet
     * @throws CertpilotException    if revocation or the new order fails
     */
    public CertificateBundle revoke(String name, RevocationReason reason) {
        Objects.requireNonNull(reason, "reason");
        requireStarted();
        renewer.revoke(name, reason);
        return certificate(name).orElseThrow();
    }

    /**
     * Replaces the ACME account key at every configured CA with a new one, and stores it. Certificates are not
     * affected.
     *
     * @throws CertpilotException if a CA refuses or the store fails; the previous key then still works
     */
    public void rollOverAccountKey() {
        renewer.rollOverAccountKeys();
    }

    /** Registers {@code listener} for events from now on. */
    public void addListener(CertificateListener listener) {
        renewer.addListener(Objects.requireNonNull(listener, "listener"));
    }

    /** Unregisters {@code listener}. */
    public void removeListener(CertificateListener listener) {
        renewer.removeListener(listener);
    }

    /** What is served for each managed certificate and when it is next checked, in configuration order. */
    public List<CertificateStatus> status() {
        return renewer.status();
    }

    /**
     * The certificate served for the managed certificate called {@code name}: the CA's, or the self-signed
     * bootstrap one until the first is obtained ({@link CertificateBundle#isSelfSigned()}); empty before
     * {@link #prepare()} or {@link #start()}.
     */
    public Optional<CertificateBundle> certificate(String name) {
        return served.snapshot().byName(name);
    }

    /**
     * The current certificate to present for {@code host}: the one listing it exactly, else one whose wildcard
     * covers it.
     */
    public Optional<CertificateBundle> certificateForHost(String host) {
        return served.snapshot().forHost(host);
    }

    /** The certificates this manager keeps, as configured. */
    public List<ManagedCertificate> managedCertificates() {
        return certificates;
    }

    /**
     * A key manager for TLS servers that always presents the current certificates, choosing by SNI (exact
     * before wildcard) and presenting the {@linkplain Builder#defaultCertificate default certificate} to clients
     * that send no or an unknown name. Use it in an {@code SSLContext}; no reload is needed when certificates
     * change. With a {@link TlsAlpn01Responder} among the challenges (such as {@link InMemoryTlsAlpn01Responder}),
     * it also answers TLS-ALPN-01 validation handshakes with the certificate that responder holds.
     */
    public X509ExtendedKeyManager keyManager() {
        return keyManager;
    }

    /**
     * Stops renewing: cancels scheduled checks and interrupts orders in progress (waiting up to 10 seconds for
     * them). Certificates stay in the store. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
        }
        renewer.close();
        for (var responder : responders) {
            if (responder instanceof InMemoryHttp01Responder http) {
                http.share(null);
            } else if (responder instanceof InMemoryTlsAlpn01Responder tls) {
                tls.share(null);
            }
        }
    }

    @Override
    public String toString() {
        return "CertificateManager[" + issuers.stream().map(i -> i.ca().toString()).toList() + ", "
                + certificates.size() + " certificates, " + store + "]";
    }

    private void requireStarted() {
        synchronized (lifecycle) {
            if (!started || closed) {
                throw new IllegalStateException(closed ? "CertificateManager is closed" : "Call start() first");
            }
        }
    }

    private CertificateBundle defaultCertificate(CertificateIndex snapshot) {
        if (defaultName != null) {
            return snapshot.byName(defaultName).orElse(null);
        }
        for (var certificate : certificates) {
            var bundle = snapshot.byName(certificate.name());
            if (bundle.isPresent()) {
                return bundle.get();
            }
        }
        return null;
    }

    /**
     * Configures a {@link CertificateManager}. Each setter checks its value at once and names the fault;
     * {@link #build()} checks the combination. Not thread-safe; the manager it builds shares nothing with it.
     */
    public static final class Builder {

        private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");

        private final List<CertificateAuthority> cas = new ArrayList<>();
        private String email;
        private boolean termsOfServiceAgreed;
        private final LinkedHashMap<String, ManagedCertificate> certificates = new LinkedHashMap<>();
        private final Map<String, String> certificateOfDomain = new HashMap<>();
        private KeyType keyType = KeyType.EC_P256;
        private CertificateStore store;
        private final List<ChallengeResponder> responders = new ArrayList<>();
        private Clock clock = Clock.systemUTC();
        private Duration networkTimeout = Duration.ofSeconds(30);
        private Duration issuanceTimeout = Duration.ofMinutes(3);
        private double renewalFraction = 1.0 / 3;
        private Duration retryInitial = Duration.ofMinutes(1);
        private Duration retryMax = Duration.ofHours(6);
        private int failoverAfter = 3;
        private Duration expiryWarning = Duration.ofDays(7);
        private Duration checkInterval = Duration.ofHours(1);
        private int concurrentOrders = 4;
        private Duration leaseDuration = Duration.ofMinutes(1);
        private Duration storePollInterval = Duration.ofSeconds(2);
        private final List<CertificateListener> listeners = new ArrayList<>();
        private String defaultName;
        RandomGenerator random = new SecureRandom();
        UnaryOperator<Issuer> issuerDecorator = UnaryOperator.identity();

        private Builder() {
        }

        /**
         * The CA to obtain certificates from. Required: use {@link CertificateAuthority#LETS_ENCRYPT_STAGING}
         * while testing, {@link CertificateAuthority#LETS_ENCRYPT} in production.
         */
        public Builder certificateAuthority(CertificateAuthority ca) {
            return certificateAuthorities(ca);
        }

        /**
         * The CAs to obtain certificates from, in order of preference, replacing any given before: after
         * {@link #failoverAfter} failures in a row with one, the next is tried, and every success returns to the
         * first. For example Let's Encrypt, then ZeroSSL with External Account Binding.
         */
        public Builder certificateAuthorities(CertificateAuthority first, CertificateAuthority... fallbacks) {
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

        /** Contact address registered with the account; optional. */
        public Builder email(String email) {
            if (email == null || !EMAIL.matcher(email).matches()) {
                throw new IllegalArgumentException("email must be an address such as ops@example.com, got '"
                        + email + "'");
            }
            this.email = email;
            return this;
        }

        /** Accepts the CA's terms of service, which every public CA requires. Required. */
        public Builder agreeToTermsOfService() {
            this.termsOfServiceAgreed = true;
            return this;
        }

        /**
         * Adds a certificate called {@code name} for {@code domains}.
         *
         * @throws IllegalArgumentException if the name or a domain is invalid, or the name is taken
         */
        public Builder certificate(String name, String... domains) {
            return certificate(new ManagedCertificate(name, List.of(domains)));
        }

        /** Adds a certificate for {@code domain} alone, named after it. */
        public Builder domain(String domain) {
            return certificate(ManagedCertificate.of(domain));
        }

        /**
         * Adds a certificate.
         *
         * @throws IllegalArgumentException if its name is taken or one of its domains is in another certificate
         */
        public Builder certificate(ManagedCertificate certificate) {
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

        /** The kind of key for certificates; default {@link KeyType#EC_P256}. */
        public Builder keyType(KeyType keyType) {
            this.keyType = Objects.requireNonNull(keyType, "keyType");
            return this;
        }

        /**
         * Where certificates, account keys, leases and pending challenge answers are kept; default
         * {@link #storageDirectory} at its default. Instances that share a store share its certificates.
         */
        public Builder store(CertificateStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /**
         * Keeps certificates in a {@link FileCertificateStore} at {@code directory}. Default
         * {@code $XDG_DATA_HOME/certpilot}, else {@code ~/.local/share/certpilot}. Put it on persistent storage.
         */
        public Builder storageDirectory(Path directory) {
            return store(new FileCertificateStore(directory));
        }

        /**
         * The challenge responders, in order of preference; replaces any given before. Required. For each
         * domain the first one the CA offers and that suits the name is used; if its validation fails the next
         * is tried. Wildcard names need a {@link Dns01Responder}.
         */
        public Builder challenges(ChallengeResponder... responders) {
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

        /** The clock that decides whether certificates are valid; default the system clock. For tests. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** How long to wait for the CA to connect and answer one request; default 30 seconds. */
        public Builder networkTimeout(Duration timeout) {
            this.networkTimeout = positive(timeout, "networkTimeout");
            return this;
        }

        /** How long one certificate's order, validation and issuance may take in all; default 3 minutes. */
        public Builder issuanceTimeout(Duration timeout) {
            this.issuanceTimeout = positive(timeout, "issuanceTimeout");
            return this;
        }

        /**
         * Renew once less than {@code fraction} of a certificate's lifetime remains; default 1/3 (30 days of
         * Let's Encrypt's 90). Scales with the lifetime, so short-lived certificates work. When the CA publishes
         * a renewal window (ACME Renewal Information) that window is used instead. Renewals are spread randomly
         * over up to a tenth of the window before it, so that instances don't all call the CA at once.
         */
        public Builder renewalWindow(double fraction) {
            if (!(fraction > 0 && fraction < 1)) {
                throw new IllegalArgumentException("renewalWindow must be a fraction of the lifetime between 0 and "
                        + "1 (exclusive), such as 0.33, got " + fraction);
            }
            this.renewalFraction = fraction;
            return this;
        }

        /**
         * Back-off between failed attempts: {@code initial} after the first failure, doubled after each further
         * one up to {@code max}, plus up to a tenth at random; never earlier than a rate limit's Retry-After.
         * Default 1 minute growing to 6 hours.
         */
        public Builder retryBackoff(Duration initial, Duration max) {
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

        /** Failures in a row with one CA before the next configured CA is tried; default 3. */
        public Builder failoverAfter(int failures) {
            if (failures < 1) {
                throw new IllegalArgumentException("failoverAfter must be at least 1, got " + failures);
            }
            this.failoverAfter = failures;
            return this;
        }

        /**
         * Emit {@link CertificateEvent.Expiring} when renewal fails and less than this remains (or half the renewal
         * window, if shorter); default 7 days.
         */
        public Builder expiryWarning(Duration remaining) {
            this.expiryWarning = positive(remaining, "expiryWarning");
            return this;
        }

        /**
         * The longest time between two checks of a certificate, which notices a changed renewal window, a
         * certificate renewed by another instance, or a jump of the clock; default 1 hour.
         */
        public Builder checkInterval(Duration interval) {
            this.checkInterval = positive(interval, "checkInterval");
            return this;
        }

        /**
         * How many orders may run at once (the size of the renewal pool); default 4. Keep it small: public CAs
         * limit new orders per account and hour (Let's Encrypt: 300 per 3 hours).
         */
        public Builder concurrentOrders(int orders) {
            if (orders < 1 || orders > 64) {
                throw new IllegalArgumentException("concurrentOrders must be 1 to 64, got " + orders);
            }
            this.concurrentOrders = orders;
            return this;
        }

        /**
         * The certificate presented to TLS clients that send no SNI name or one no certificate covers; default the
         * first one configured.
         */
        public Builder defaultCertificate(String name) {
            this.defaultName = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * How long the store's lease of a certificate lasts unless renewed; default 1 minute. The instance ordering a
         * certificate renews its lease every third of this while the order runs; if it dies or loses the store,
         * another instance takes over at the latest this long after its last renewal. Keep it well above the clock
         * skew between hosts when the store compares their clocks (a shared directory).
         */
        public Builder leaseDuration(Duration duration) {
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
         * then served here too; default 2 seconds. Each poll is one small read (a revision); the listing is read only
         * when it changed.
         */
        public Builder storePollInterval(Duration interval) {
            this.storePollInterval = positive(interval, "storePollInterval");
            return this;
        }

        /** Adds a listener for {@link CertificateEvent}s, registered before anything happens. */
        public Builder listener(CertificateListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Builds the manager; call {@link CertificateManager#start()} on it.
         *
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
            if (certificates.isEmpty()) {
                throw new IllegalStateException("No certificate: call domain(\"example.com\") or "
                        + "certificate(name, domains...)");
            }
            if (responders.isEmpty()) {
                throw new IllegalStateException("No challenge responder: call challenges(...) with, for example, "
                        + "new InMemoryHttp01Responder() served on port 80 by AcmeChallengeFilter");
            }
            if (defaultName != null && !certificates.containsKey(defaultName)) {
                throw new IllegalStateException("defaultCertificate('" + defaultName + "') names no certificate; "
                        + "configured: " + certificates.keySet());
            }
            var dns = responders.stream().anyMatch(r -> r instanceof Dns01Responder);
            for (var certificate : certificates.values()) {
                for (var domain : certificate.domains()) {
                    if (domain.startsWith("*.") && !dns) {
                        throw new IllegalStateException("Wildcard " + domain + " (certificate '" + certificate.name()
                                + "') can only be validated by dns-01: add a Dns01Responder to challenges(...)");
                    }
                }
            }
            var policy = new RenewalPolicy(renewalFraction, retryInitial, retryMax, expiryWarning, checkInterval,
                    failoverAfter, random.nextLong());
            return new CertificateManager(new ManagerSettings(cas, email, List.copyOf(certificates.values()),
                    defaultName, keyType, store != null ? store : new FileCertificateStore(defaultStorage()),
                    responders, clock, networkTimeout, issuanceTimeout, policy, concurrentOrders, listeners, random,
                    leaseDuration, storePollInterval),
                    issuerDecorator);
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
}

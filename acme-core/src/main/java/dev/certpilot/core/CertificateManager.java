package dev.certpilot.core;

import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

import javax.net.ssl.X509ExtendedKeyManager;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.ChallengeResponder;
import dev.certpilot.core.spi.Dns01Responder;

/**
 * Obtains certificates from an ACME CA for the configured domains, keeps them in a {@link CertificateStore},
 * and serves them to TLS servers.
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
 *     manager.start();                                 // serves stored certificates, obtains missing ones
 *     sslContext.init(new KeyManager[] {manager.keyManager()}, null, null);
 * }
 * }</pre>
 *
 * <p>On {@link #start()}, a stored certificate that is still valid and covers the configured domains is served
 * at once, with no call to the CA; others are obtained. Thread-safe: reads ({@link #certificate},
 * {@link #certificateForHost}, the {@link #keyManager()}) see an immutable snapshot and never block.
 */
public final class CertificateManager implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.manager");
    private static final Logger STORAGE_LOG = LoggerFactory.getLogger("dev.certpilot.storage");

    private final List<ManagedCertificate> certificates;
    private final KeyType keyType;
    private final CertificateStore store;
    private final List<ChallengeResponder> responders;
    private final Clock clock;
    private final Duration issuanceTimeout;
    private final AcmeClient client;
    private final SniKeyManager keyManager;
    private final Object lifecycle = new Object();
    private volatile CertificateIndex index = CertificateIndex.EMPTY;
    private boolean started;
    private boolean closed;

    private CertificateManager(Builder builder) {
        this.certificates = List.copyOf(builder.certificates.values());
        this.keyType = builder.keyType;
        this.store = builder.store != null ? builder.store : new FileCertificateStore(Builder.defaultStorage());
        this.responders = List.copyOf(builder.responders);
        this.clock = builder.clock;
        this.issuanceTimeout = builder.issuanceTimeout;
        this.client = new AcmeClient(builder.ca, builder.email, store, builder.networkTimeout);
        this.keyManager = new SniKeyManager(() -> index, this::defaultCertificate);
    }

    /** Returns a builder; see its setters for every option and its default. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Serves the stored certificates that are valid and cover their configured domains, and obtains the others
     * from the CA, one after the other. Blocks until done. Calling it again does nothing.
     *
     * @throws ChallengeFailedException if the CA could not validate a domain
     * @throws AcmeServerException      if the CA cannot be reached or refuses
     * @throws StorageException         if the store fails
     * @throws IllegalStateException    if the manager is closed
     */
    public void start() {
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("CertificateManager is closed; build a new one");
            }
            if (started) {
                return;
            }
            started = true;
        }
        var missing = new ArrayList<ManagedCertificate>();
        for (var certificate : certificates) {
            var stored = load(certificate);
            if (stored.isPresent()) {
                publish(stored.get());
                LOG.info("Serving stored certificate {} (serial {}, valid until {})", certificate.name(),
                        stored.get().serialNumber().toString(16), stored.get().notAfter());
            } else {
                missing.add(certificate);
            }
        }
        RuntimeException failure = null;
        for (var certificate : missing) {
            try {
                obtain(certificate);
            } catch (RuntimeException e) {
                LOG.error("Could not obtain certificate {}: {}", certificate.name(), e.getMessage());
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** The current certificate of the managed certificate called {@code name}, if there is one yet. */
    public Optional<CertificateBundle> certificate(String name) {
        return index.byName(name);
    }

    /**
     * The current certificate to present for {@code host}: the one listing it exactly, else one whose wildcard
     * covers it.
     */
    public Optional<CertificateBundle> certificateForHost(String host) {
        return index.forHost(host);
    }

    /** The certificates this manager keeps, as configured. */
    public List<ManagedCertificate> managedCertificates() {
        return certificates;
    }

    /**
     * A key manager for TLS servers that always presents the current certificates, choosing by SNI (exact
     * before wildcard) and presenting the first configured certificate to clients that send no or an unknown
     * name. Use it in an {@code SSLContext}; no reload is needed when certificates change.
     */
    public X509ExtendedKeyManager keyManager() {
        return keyManager;
    }

    /** Stops the manager. Certificates stay in the store. Idempotent. */
    @Override
    public void close() {
        synchronized (lifecycle) {
            closed = true;
        }
    }

    @Override
    public String toString() {
        return "CertificateManager[" + client.ca() + ", " + certificates.size() + " certificates, " + store + "]";
    }

    private Optional<CertificateBundle> load(ManagedCertificate certificate) {
        Optional<CertificateBundle> stored;
        try {
            stored = store.load(certificate.name());
        } catch (IOException e) {
            throw new StorageException("Cannot read certificate " + certificate.name() + ": " + e.getMessage(),
                    store + " " + certificate.name(), e);
        }
        if (stored.isEmpty()) {
            return stored;
        }
        var bundle = stored.get();
        if (!bundle.domains().equals(certificate.domains())) {
            STORAGE_LOG.info("Stored certificate {} is for {}, configured for {}: obtaining a new one",
                    certificate.name(), bundle.domains(), certificate.domains());
            return Optional.empty();
        }
        if (!bundle.isValidAt(clock.instant())) {
            STORAGE_LOG.info("Stored certificate {} is not valid now (valid {} to {}): obtaining a new one",
                    certificate.name(), bundle.notBefore(), bundle.notAfter());
            return Optional.empty();
        }
        return stored;
    }

    private void obtain(ManagedCertificate certificate) {
        LOG.info("Obtaining certificate {} for {} from {}", certificate.name(), certificate.domains(), client.ca());
        var started = System.nanoTime();
        var key = keyType.generate();
        List<X509Certificate> chain;
        try {
            chain = client.issue(certificate, key, responders, issuanceTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CertpilotException("Interrupted while obtaining certificate " + certificate.name(), e);
        }
        var bundle = new CertificateBundle(certificate.name(), certificate.domains(), chain, key.getPrivate());
        try {
            store.save(bundle);
        } catch (IOException e) {
            throw new StorageException("Obtained certificate " + certificate.name() + " but could not store it: "
                    + e.getMessage(), store + " " + certificate.name(), e);
        }
        publish(bundle);
        LOG.info("Obtained certificate {} (serial {}, valid until {}) in {} ms", certificate.name(),
                bundle.serialNumber().toString(16), bundle.notAfter(),
                Duration.ofNanos(System.nanoTime() - started).toMillis());
    }

    private void publish(CertificateBundle bundle) {
        synchronized (lifecycle) {
            index = index.with(bundle);
        }
    }

    private CertificateBundle defaultCertificate(CertificateIndex snapshot) {
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

        private CertificateAuthority ca;
        private String email;
        private boolean termsOfServiceAgreed;
        private final LinkedHashMap<String, ManagedCertificate> certificates = new LinkedHashMap<>();
        private KeyType keyType = KeyType.EC_P256;
        private CertificateStore store;
        private final List<ChallengeResponder> responders = new ArrayList<>();
        private Clock clock = Clock.systemUTC();
        private Duration networkTimeout = Duration.ofSeconds(30);
        private Duration issuanceTimeout = Duration.ofMinutes(3);

        private Builder() {
        }

        /**
         * The CA to obtain certificates from. Required: use {@link CertificateAuthority#LETS_ENCRYPT_STAGING}
         * while testing, {@link CertificateAuthority#LETS_ENCRYPT} in production.
         */
        public Builder certificateAuthority(CertificateAuthority ca) {
            this.ca = Objects.requireNonNull(ca, "ca");
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
            for (var other : certificates.values()) {
                for (var domain : certificate.domains()) {
                    if (other.domains().contains(domain)) {
                        throw new IllegalArgumentException("Domain " + domain + " is in certificates '"
                                + other.name() + "' and '" + certificate.name() + "': list it in one only");
                    }
                }
            }
            certificates.put(certificate.name(), certificate);
            return this;
        }

        /** The kind of key for certificates; default {@link KeyType#EC_P256}. */
        public Builder keyType(KeyType keyType) {
            this.keyType = Objects.requireNonNull(keyType, "keyType");
            return this;
        }

        /** Where certificates and account keys are kept; default {@link #storageDirectory} at its default. */
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
         * Builds the manager; call {@link CertificateManager#start()} on it.
         *
         * @throws IllegalStateException naming what is missing or inconsistent
         */
        public CertificateManager build() {
            if (ca == null) {
                throw new IllegalStateException("No CA: call certificateAuthority(CertificateAuthority"
                        + ".LETS_ENCRYPT_STAGING) while testing, CertificateAuthority.LETS_ENCRYPT in production");
            }
            if (!termsOfServiceAgreed) {
                throw new IllegalStateException("The CA's terms of service must be accepted: read them (linked "
                        + "from " + ca.directory() + ") and call agreeToTermsOfService()");
            }
            if (certificates.isEmpty()) {
                throw new IllegalStateException("No certificate: call domain(\"example.com\") or "
                        + "certificate(name, domains...)");
            }
            if (responders.isEmpty()) {
                throw new IllegalStateException("No challenge responder: call challenges(...) with, for example, "
                        + "new InMemoryHttp01Responder() served on port 80 by AcmeChallengeFilter");
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
            return new CertificateManager(this);
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

package dev.certpilot.core.internal.renewal;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.random.RandomGenerator;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateListener;
import dev.certpilot.core.KeyType;
import dev.certpilot.core.ManagedCertificate;
import dev.certpilot.core.Notifications;
import dev.certpilot.core.Preflight;
import dev.certpilot.core.OnDemandTls;
import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.ChallengeResponder;

/**
 * Everything {@code CertificateManagerBuilder.build()} checked, as one immutable value that the manager and its
 * engine read, instead of fields handed on by position. Immutable (the store, responders and listeners are the
 * application's own thread-safe objects).
 *
 * @param cas              the CAs in order of preference
 * @param email            the account's contact, or null
 * @param certificates     the certificates to keep, in configuration order
 * @param defaultName      the certificate for clients without SNI, or null for the first
 * @param keyType          the kind of key for certificates, bootstrap certificates and account keys
 * @param storage          the store and how instances share it
 * @param responders       the challenge responders in order of preference
 * @param clock            the clock that judges validity and schedules
 * @param timeouts         how long the CA may take
 * @param policy           when to renew and retry
 * @param concurrentOrders the size of the renewal pool
 * @param listeners        listeners registered before anything happens
 * @param random           the random source of every jitter and spread
 * @param onDemand         on-demand TLS, or null when off
 * @param cacheSize        how many certificates are kept parsed in memory
 * @param notifications    who is told of problems, or null when nobody
 * @param preflight        what is checked before a first order
 */
public record ManagerSettings(List<CertificateAuthority> cas, String email, List<ManagedCertificate> certificates,
                              String defaultName, KeyType keyType, Storage storage,
                              List<ChallengeResponder> responders, Clock clock, Timeouts timeouts,
                              RenewalPolicy policy, int concurrentOrders, List<CertificateListener> listeners,
                              RandomGenerator random, OnDemandTls onDemand, int cacheSize,
                              Notifications notifications, Preflight preflight) {

    public ManagerSettings {
        cas = List.copyOf(cas);
        certificates = List.copyOf(certificates);
        responders = List.copyOf(responders);
        listeners = List.copyOf(listeners);
    }

    /** The store this manager uses. */
    public CertificateStore store() {
        return storage.store();
    }

    /**
     * Where certificates and account keys live, and how instances share it.
     *
     * @param store         the store
     * @param leaseDuration how long the store's lease of a certificate lasts unless renewed
     * @param pollInterval  how often the store is asked whether another instance changed it
     */
    public record Storage(CertificateStore store, Duration leaseDuration, Duration pollInterval) {
    }

    /**
     * How long the CA may take.
     *
     * @param network  one request to the CA
     * @param issuance one whole order
     */
    public record Timeouts(Duration network, Duration issuance) {
    }
}

package dev.certpilot.core.internal.renewal;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.random.RandomGenerator;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateListener;
import dev.certpilot.core.CertificateManagerBuilder;
import dev.certpilot.core.KeyType;
import dev.certpilot.core.ManagedCertificate;
import dev.certpilot.core.OnDemandTls;
import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.ChallengeResponder;

/**
 * Everything {@link CertificateManagerBuilder#build()} checked, as one immutable value that the manager and its
 * engine read, instead of fields handed on by position. Immutable (the store, responders and listeners are the
 * application's own thread-safe objects).
 *
 * @param cas              the CAs in order of preference
 * @param email            the account's contact, or null
 * @param certificates     the certificates to keep, in configuration order
 * @param defaultName      the certificate for clients without SNI, or null for the first
 * @param keyType          the kind of key for certificates, bootstrap certificates and account keys
 * @param store            where certificates and account keys live
 * @param responders       the challenge responders in order of preference
 * @param clock            the clock that judges validity and schedules
 * @param networkTimeout   one request to the CA
 * @param issuanceTimeout  one whole order
 * @param policy           when to renew and retry
 * @param concurrentOrders the size of the renewal pool
 * @param listeners        listeners registered before anything happens
 * @param random           the random source of every jitter and spread
 * @param leaseDuration    how long the store's lease of a certificate lasts unless renewed
 * @param storePollInterval how often the store is asked whether another instance changed it
 * @param onDemand         on-demand TLS, or null when off
 * @param cacheSize        how many certificates are kept parsed in memory
 */
public record ManagerSettings(List<CertificateAuthority> cas, String email, List<ManagedCertificate> certificates,
                       String defaultName, KeyType keyType, CertificateStore store,
                       List<ChallengeResponder> responders, Clock clock, Duration networkTimeout,
                       Duration issuanceTimeout, RenewalPolicy policy, int concurrentOrders,
                       List<CertificateListener> listeners, RandomGenerator random, Duration leaseDuration,
                       Duration storePollInterval, OnDemandTls onDemand, int cacheSize) {

    public ManagerSettings {
        cas = List.copyOf(cas);
        certificates = List.copyOf(certificates);
        responders = List.copyOf(responders);
        listeners = List.copyOf(listeners);
    }
}

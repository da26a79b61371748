package dev.certpilot.core;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import java.util.function.Function;

import dev.certpilot.core.internal.acme.Issuer;
import dev.certpilot.core.internal.acme.SuggestedWindow;
import dev.certpilot.core.spi.ChallengeResponder;

/**
 * A CA at the {@link Issuer} boundary for what a real one cannot do on demand: it answers from a script of
 * failures, issues certificates of a chosen validity from a root of its own (or whatever chain a test makes),
 * offers a chosen ARI window, and records every call. It can also wrap a real issuer (Pebble) and only inject the
 * scripted failures in front of it.
 */
final class FakeIssuer implements Issuer {

    /** One recorded {@link #issue} call. */
    record Call(java.time.Instant time, X509Certificate replacing) {
    }

    /** Runs at the start of each {@link #issue} call. */
    interface Hook {
        void run() throws InterruptedException;
    }

    private final CertificateAuthority ca;
    private final Issuer delegate;
    private final Clock clock;
    private final Queue<CertpilotException> failures = new ArrayDeque<>();
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private volatile Duration validity = Duration.ofDays(90);
    private volatile boolean alwaysFail;
    private volatile Hook onIssue = () -> { };
    private volatile Function<X509Certificate, Optional<SuggestedWindow>> ari = certificate -> Optional.empty();
    private final FakeCaCertificates certificates = new FakeCaCertificates("certpilot test CA");
    private volatile BiFunction<ManagedCertificate, KeyPair, List<X509Certificate>> chain;

    /** A CA of its own at {@code directory}. */
    FakeIssuer(String directory, Clock clock) {
        this.ca = CertificateAuthority.of(directory);
        this.delegate = null;
        this.clock = clock;
    }

    /** Scripted failures in front of {@code real}. */
    FakeIssuer(Issuer real, Clock clock) {
        this.ca = real.ca();
        this.delegate = real;
        this.clock = clock;
    }

    /** The next calls fail with these, in order. */
    synchronized FakeIssuer failNext(CertpilotException... next) {
        failures.addAll(List.of(next));
        return this;
    }

    FakeIssuer alwaysFail(boolean fail) {
        this.alwaysFail = fail;
        return this;
    }

    FakeIssuer onIssue(Hook hook) {
        this.onIssue = hook;
        return this;
    }

    FakeIssuer validity(Duration validity) {
        this.validity = validity;
        return this;
    }

    /** Returns what {@code chain} makes of each order instead of a certificate for it. */
    FakeIssuer returning(BiFunction<ManagedCertificate, KeyPair, List<X509Certificate>> chain) {
        this.chain = chain;
        return this;
    }

    FakeIssuer renewalInfo(Function<X509Certificate, Optional<SuggestedWindow>> ari) {
        this.ari = ari;
        return this;
    }

    List<Call> calls() {
        return List.copyOf(calls);
    }

    AcmeServerException serverError() {
        return new AcmeServerException("The CA " + ca.directory() + " answered 500 (serverInternal)",
                ca.directory(), "urn:ietf:params:acme:error:serverInternal", null);
    }

    RateLimitedException rateLimited(java.time.Instant retryAfter) {
        return new RateLimitedException("rateLimited; retry after " + retryAfter, ca.directory(), retryAfter, null);
    }

    @Override
    public CertificateAuthority ca() {
        return ca;
    }

    @Override
    public List<X509Certificate> issue(ManagedCertificate certificate, KeyPair domainKey,
                                       List<ChallengeResponder> responders, Duration timeout,
                                       X509Certificate replacing) throws InterruptedException {
        onIssue.run();
        calls.add(new Call(clock.instant(), replacing));
        CertpilotException failure;
        synchronized (this) {
            failure = failures.poll();
        }
        if (failure == null && alwaysFail) {
            failure = serverError();
        }
        if (failure != null) {
            throw failure;
        }
        if (delegate != null) {
            return delegate.issue(certificate, domainKey, responders, timeout, replacing);
        }
        var made = chain;
        return made != null ? made.apply(certificate, domainKey)
                : certificates.issue(certificate.domains(), domainKey.getPublic(), clock.instant(), validity);
    }

    @Override
    public Optional<SuggestedWindow> suggestedWindow(X509Certificate certificate) {
        return delegate != null ? delegate.suggestedWindow(certificate) : ari.apply(certificate);
    }

    @Override
    public List<PersistentDnsRecord> persistentDnsRecords(List<String> domains,
                                                          dev.certpilot.core.spi.DnsPersist01Responder settings) {
        if (delegate == null) {
            throw new UnsupportedOperationException("persistentDnsRecords");
        }
        return delegate.persistentDnsRecords(domains, settings);
    }

    @Override
    public void revoke(X509Certificate certificate, RevocationReason reason) {
        if (delegate == null) {
            throw new UnsupportedOperationException("revoke");
        }
        delegate.revoke(certificate, reason);
    }

    @Override
    public void rollOverAccountKey() {
        if (delegate == null) {
            throw new UnsupportedOperationException("rollOverAccountKey");
        }
        delegate.rollOverAccountKey();
    }
}

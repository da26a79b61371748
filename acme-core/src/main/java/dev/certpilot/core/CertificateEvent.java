package dev.certpilot.core;

import java.math.BigInteger;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Something that happened to a managed certificate, delivered to {@link CertificateListener}s: enough to send a
 * mail, call a webhook or update a metric. Every event is also logged. Events never carry private keys or
 * challenge tokens; {@link Obtained} and {@link Renewed} carry the bundle, whose key a listener must not log.
 * Immutable.
 */
public sealed interface CertificateEvent {

    /**
     * The name of the managed certificate.
     *
     * @return the certificate's name
     */
    String name();

    /**
     * When it happened, by the manager's clock.
     *
     * @return the time of the event
     */
    Instant time();

    /**
     * An order is about to be placed.
     *
     * @param attempt 1 for the first try, counting up while attempts fail
     * @param renewal whether a certificate is being replaced (else it is the first one)
     */
    record Obtaining(String name, Instant time, List<String> domains, URI certificateAuthority, int attempt,
                     boolean renewal) implements CertificateEvent {
        /**
         * Copies {@code domains}.
         *
         * @param name the managed certificate's name
         * @param time when it happened
         * @param domains the domains ordered
         * @param certificateAuthority the CA's directory URL
         * @param attempt 1 for the first try
         * @param renewal whether a certificate is being replaced
         */
        public Obtaining {
            domains = List.copyOf(domains);
        }
    }

    /** A first certificate was issued (or found in storage, saved by another instance) and is now served. */
    record Obtained(String name, Instant time, CertificateBundle certificate) implements CertificateEvent {
    }

    /** A certificate was replaced by a new one, now served. */
    record Renewed(String name, Instant time, CertificateBundle certificate, BigInteger previousSerial)
            implements CertificateEvent {
    }

    /**
     * An attempt failed; the current certificate, if any, is still served, and the next attempt is scheduled.
     *
     * @param attempt     how many attempts in a row have failed
     * @param nextAttempt when the next one is scheduled (after back-off, and never before a rate limit's
     *                    Retry-After)
     */
    record Failed(String name, Instant time, CertpilotException cause, int attempt, Instant nextAttempt)
            implements CertificateEvent {
        /**
         * Requires a cause.
         *
         * @param name the managed certificate's name
         * @param time when it happened
         * @param cause what failed
         * @param attempt how many attempts in a row have failed
         * @param nextAttempt when the next one is scheduled
         */
        public Failed {
            Objects.requireNonNull(cause, "cause");
        }
    }

    /**
     * Renewal has kept failing and the served certificate expires soon: a person should look.
     *
     * @param remaining how long the served certificate stays valid
     */
    record Expiring(String name, Instant time, Instant notAfter, Duration remaining) implements CertificateEvent {
    }

    /**
     * The CA asked, by its renewal information (ARI, RFC 9773), to renew the served certificate well ahead of its
     * schedule: it may be about to revoke it, as in a mass revocation. The renewal is ordered at once, inside the CA's
     * window and naming the certificate it replaces, which Let's Encrypt exempts from its rate limits.
     *
     * @param serial      the serial of the certificate the CA wants replaced
     * @param windowStart the start of the CA's window
     * @param windowEnd   its end
     * @param explanation the CA's page explaining why, or null if it gave none
     */
    record RenewalRequested(String name, Instant time, BigInteger serial, Instant windowStart, Instant windowEnd,
                            URI explanation) implements CertificateEvent {
    }

    /** The certificate was revoked at the CA; a new one is being obtained. */
    record Revoked(String name, Instant time, BigInteger serial, RevocationReason reason) implements CertificateEvent {
    }

    /**
     * The certificate is no longer managed: not renewed, not served (TLS sessions made under it are not resumed by
     * {@code ManagedSslContextFactory}).
     *
     * @param deleted whether its certificate and key were deleted from the store (else they stay there)
     * @param reason  why: {@code "unmanaged"} by the application; for certificates obtained on demand, that the
     *                decision denies it at a renewal, or that a first order failed or was over the limit
     */
    record Unmanaged(String name, Instant time, boolean deleted, String reason) implements CertificateEvent {
    }
}

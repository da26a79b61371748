package dev.certpilot.core.internal.acme;

import java.net.URI;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertpilotException;
import dev.certpilot.core.ManagedCertificate;
import dev.certpilot.core.PersistentDnsRecord;
import dev.certpilot.core.RevocationReason;
import dev.certpilot.core.spi.ChallengeResponder;
import dev.certpilot.core.spi.DnsPersist01Responder;

/**
 * What the manager needs from one CA. {@link AcmeClient} speaks ACME; tests wrap it to inject faults at this
 * boundary. Implementations are thread-safe and throw {@link CertpilotException}s.
 */
public interface Issuer {

    /** The CA this issuer orders from. */
    CertificateAuthority ca();

    /**
     * Orders a certificate for {@code certificate}'s domains with {@code domainKey}.
     *
     * @param replacing the certificate this one replaces (sent as ARI's {@code replaces} where the CA supports
     *                  it), or null for a first certificate
     * @return the chain, leaf first
     */
    List<X509Certificate> issue(ManagedCertificate certificate, KeyPair domainKey, List<ChallengeResponder> responders,
                                Duration timeout, X509Certificate replacing) throws InterruptedException;

    /** The CA's suggested renewal window for {@code certificate} (RFC 9773), or empty if it offers none. */
    Optional<SuggestedWindow> suggestedWindow(X509Certificate certificate);

    /** Revokes {@code certificate}. */
    void revoke(X509Certificate certificate, RevocationReason reason);

    /** Replaces the account key with a new one, at the CA and in the store. */
    void rollOverAccountKey();

    /**
     * The dns-persist-01 records this account needs for {@code domains}, with the issuer domain names the CA's
     * directory advertises.
     *
     * @throws CertpilotException if the CA advertises none
     */
    List<PersistentDnsRecord> persistentDnsRecords(List<String> domains, DnsPersist01Responder settings);

    /**
     * The JWK thumbprints (RFC 7638, base64url) of this CA's account keys kept in the store, the current one and a
     * rollover's next one: a challenge answer another instance published is served only if it ends in one of them.
     * Reads the store; empty when no account key is stored yet. Never throws.
     */
    default Set<String> accountThumbprints() {
        return Set.of();
    }

    /**
     * The CA's CAA identities (its directory's {@code caaIdentities}), for the preflight's CAA check; empty if it
     * names none.
     */
    default List<String> caaIdentities() {
        return List.of();
    }

    /** This account's URL at the CA, for CAA's {@code accounturi}; null if there is none yet. */
    default URI accountUri() {
        return null;
    }

    /** Connects to the CA ahead of the first order, where that saves time; never throws. */
    default void warmUp() {
    }
}

package dev.certpilot.core.spi;

import java.util.Optional;

import dev.certpilot.core.spi.TlsAlpn01Responder.ValidationCertificate;

/**
 * Challenge answers that other instances sharing the store published: what a responder may serve for a challenge it
 * does not hold itself, since the CA may reach any instance. The manager gives it to every {@link SharingResponder}.
 * Only names the manager manages are looked up, and only answers for the cluster's own account keys are returned.
 * Thread-safe; a lookup reads the store (a bounded number at a time, cached for seconds) and never throws.
 */
public interface SharedAnswers {

    /**
     * The key authorization another instance published for {@code token} on {@code host}, if any.
     *
     * @param host the host validated
     * @param token the challenge's token
     * @return the key authorization, or empty
     */
    Optional<String> http01(String host, String token);

    /**
     * The TLS-ALPN-01 validation certificate another instance published for the handshake name {@code host}.
     *
     * @param host the handshake's name
     * @return the certificate and key, or empty
     */
    Optional<ValidationCertificate> tlsAlpn01(String host);
}

package dev.certpilot.core.spi;

import java.io.IOException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.Optional;

/**
 * Answers TLS-ALPN-01 challenges (RFC 8737): the CA opens a TLS connection to port 443 offering only the
 * ALPN protocol {@code acme-tls/1} with the domain as SNI, and expects the self-signed validation certificate
 * the manager created. Implemented by TLS servers, such as the Jetty binding; lets an application that can
 * open only port 443 obtain certificates. Cannot validate wildcard names.
 *
 * <p>Thread-safe, as stated in {@link ChallengeResponder}.
 */
public non-sealed interface TlsAlpn01Responder extends ChallengeResponder {

    /** The type string {@value}. */
    String TYPE = "tls-alpn-01";

    /** The ALPN protocol name a validating CA offers: {@value}. */
    String ACME_TLS_PROTOCOL = "acme-tls/1";

    /**
     * Starts presenting {@code certificate} to {@code acme-tls/1} handshakes whose SNI is {@code domain}.
     *
     * @param domain the domain being validated
     * @param certificate the validation certificate
     * @param privateKey its private key
     * @throws IOException if it cannot be deployed
     */
    void deploy(String domain, X509Certificate certificate, PrivateKey privateKey) throws IOException;

    /**
     * What the manager calls: {@link #deploy(String, X509Certificate, PrivateKey)}, told also the challenge's key
     * authorization ({@code token.thumbprint}), whose SHA-256 digest the certificate carries. A responder that
     * shares answers with other instances can publish it beside the certificate, so that a reader can check the
     * answer is this account's. The default ignores it.
     *
     * @param domain the domain being validated
     * @param certificate the validation certificate
     * @param privateKey its private key
     * @param keyAuthorization the challenge's key authorization
     * @throws IOException if it cannot be deployed
     */
    default void deploy(String domain, X509Certificate certificate, PrivateKey privateKey, String keyAuthorization)
            throws IOException {
        deploy(domain, certificate, privateKey);
    }

    /**
     * Stops presenting the validation certificate for {@code domain}.
     *
     * @param domain the domain validated
     * @throws IOException if it cannot be removed
     */
    void remove(String domain) throws IOException;

    /**
     * The validation certificate deployed for {@code domain} (lower-case ASCII), or empty when none is pending.
     * The manager's key manager asks this during {@code acme-tls/1} handshakes, so it must answer from memory:
     * no I/O, no blocking, no lock held long. A responder whose TLS server presents the certificate itself answers
     * all the same.
     *
     * @param domain the handshake's name
     * @return the certificate and key, or empty
     */
    Optional<ValidationCertificate> validationCertificate(String domain);

    /**
     * A TLS-ALPN-01 validation certificate and its key. {@link #toString()} never shows the key. Immutable.
     *
     * @param certificate the self-signed certificate with the {@code acmeIdentifier} extension
     * @param privateKey  its key
     */
    record ValidationCertificate(X509Certificate certificate, PrivateKey privateKey) {

        /**
         * @param certificate the validation certificate
         * @param privateKey its private key
         * @throws NullPointerException if either is null
         */
        public ValidationCertificate {
            Objects.requireNonNull(certificate, "certificate");
            Objects.requireNonNull(privateKey, "privateKey");
        }

        @Override
        public String toString() {
            return "ValidationCertificate[" + certificate.getSubjectX500Principal().getName() + "]";
        }
    }

    @Override
    default String challengeType() {
        return TYPE;
    }
}

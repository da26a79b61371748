package dev.certpilot.core.spi;

import java.io.IOException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

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

    /** Starts presenting {@code certificate} to {@code acme-tls/1} handshakes whose SNI is {@code domain}. */
    void deploy(String domain, X509Certificate certificate, PrivateKey privateKey) throws IOException;

    /** Stops presenting the validation certificate for {@code domain}. */
    void remove(String domain) throws IOException;

    @Override
    default String challengeType() {
        return TYPE;
    }
}

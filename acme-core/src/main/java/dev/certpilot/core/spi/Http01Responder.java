package dev.certpilot.core.spi;

import java.io.IOException;

/**
 * Answers HTTP-01 challenges (RFC 8555 section 8.3): the CA fetches
 * {@code http://<domain>/.well-known/acme-challenge/<token>} on port 80 and expects the key authorization as
 * the body. {@link dev.certpilot.core.InMemoryHttp01Responder} is the ready-made implementation that the
 * servlet filter and the Jetty binding serve from. Cannot validate wildcard names.
 *
 * <p>Thread-safe, as stated in {@link ChallengeResponder}.
 */
public non-sealed interface Http01Responder extends ChallengeResponder {

    /** The type string {@value}. */
    String TYPE = "http-01";

    /**
     * Starts serving {@code keyAuthorization} at {@code /.well-known/acme-challenge/<token>} for {@code domain}.
     * Returns once it is served.
     *
     * @param domain the domain being validated
     * @param token the challenge's token
     * @param keyAuthorization the text to serve
     * @throws IOException if it cannot be served
     */
    void deploy(String domain, String token, String keyAuthorization) throws IOException;

    /**
     * Stops serving the token; removing one that is not deployed does nothing.
     *
     * @param domain the domain being validated
     * @param token the challenge's token
     * @throws IOException if it cannot be removed
     */
    void remove(String domain, String token) throws IOException;

    @Override
    default String challengeType() {
        return TYPE;
    }
}

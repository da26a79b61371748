package dev.certpilot.core.spi;

/**
 * Answers one type of ACME challenge, proving to the CA that this application controls a domain.
 * Give responders to {@code CertificateManagerBuilder.challenges(...)} in order of preference: for each
 * domain the first one the CA offers and that suits the domain is used, and if its validation fails the next
 * is tried.
 *
 * <p>The manager calls {@code deploy} before asking the CA to validate and always calls {@code remove}
 * afterwards, also when validation or issuance fails. Implementations must be thread-safe: challenges for
 * several domains and certificates may be deployed at once. A method that throws {@code IOException} fails
 * that challenge; the manager then tries the next responder.
 *
 * <p>Sealed to the challenge types certpilot answers: implement one of the sub-interfaces of RFC 8555 and RFC 8737,
 * or use {@link DnsPersist01Responder}, which needs no implementation.
 */
public sealed interface ChallengeResponder
        permits Http01Responder, Dns01Responder, TlsAlpn01Responder, DnsPersist01Responder {

    /**
     * The ACME challenge type this responder answers, such as {@code http-01}.
     *
     * @return the challenge type
     */
    String challengeType();
}

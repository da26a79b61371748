package dev.certpilot.core;

import java.util.List;

/**
 * The CA could not validate control of a domain with any of the enabled challenge types. Lists every
 * attempt, in the order made, with the CA's reason. Immutable.
 */
public class ChallengeFailedException extends CertpilotException {

    private static final long serialVersionUID = 1L;

    /** The domain whose validation failed. */
    private final String domain;
    /** Each challenge tried, in order. */
    private final List<Attempt> attempts;

    /**
     * @param domain   the domain that could not be validated
     * @param attempts each challenge type tried, in order, with why it failed
     */
    public ChallengeFailedException(String domain, List<Attempt> attempts) {
        super(message(domain, attempts));
        this.domain = domain;
        this.attempts = List.copyOf(attempts);
    }

    @Override
    public ChallengeFailedException rethrown() {
        var copy = new ChallengeFailedException(domain, attempts);
        copy.initCause(this);
        return copy;
    }

    /**
     * The domain that could not be validated.
     *
     * @return the domain
     */
    public String domain() {
        return domain;
    }

    /**
     * Each challenge type tried for {@link #domain()}, in order.
     *
     * @return the attempts, at least one
     */
    public List<Attempt> attempts() {
        return attempts;
    }

    private static String message(String domain, List<Attempt> attempts) {
        var text = new StringBuilder("Validation of ").append(domain).append(" failed");
        for (var attempt : attempts) {
            text.append("; ").append(attempt.challengeType()).append(": ").append(attempt.reason());
        }
        return text.toString();
    }

    /**
     * One failed challenge.
     *
     * @param challengeType such as {@code http-01}
     * @param reason        the CA's or the responder's explanation
     */
    public record Attempt(String challengeType, String reason) {
    }
}

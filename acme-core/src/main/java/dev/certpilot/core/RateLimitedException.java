package dev.certpilot.core;

import java.net.URI;
import java.time.Instant;
import java.util.Optional;

/**
 * The CA refused a request because a rate limit was reached ({@code urn:ietf:params:acme:error:rateLimited}).
 * Do not retry before {@link #retryAfter()}. Immutable.
 */
public class RateLimitedException extends AcmeServerException {

    private static final long serialVersionUID = 1L;

    /** When the CA allows the next attempt, or null. */
    private final Instant retryAfter;

    /**
     * @param retryAfter when the CA allows the next attempt, or {@code null} if it did not say
     * @param message what failed and how to fix it
     * @param directory the CA's directory URL
     * @param cause the CA's answer
     */
    public RateLimitedException(String message, URI directory, Instant retryAfter, Throwable cause) {
        super(message, directory, "urn:ietf:params:acme:error:rateLimited", cause);
        this.retryAfter = retryAfter;
    }

    @Override
    public RateLimitedException rethrown() {
        return new RateLimitedException(getMessage(), directory(), retryAfter, this);
    }

    /**
     * The earliest instant the CA accepts another attempt, when it said so.
     *
     * @return the instant, or empty
     */
    public Optional<Instant> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}

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

    private final Instant retryAfter;

    /**
     * @param retryAfter when the CA allows the next attempt, or {@code null} if it did not say
     */
    public RateLimitedException(String message, URI directory, Instant retryAfter, Throwable cause) {
        super(message, directory, "urn:ietf:params:acme:error:rateLimited", cause);
        this.retryAfter = retryAfter;
    }

    @Override
    public RateLimitedException rethrown() {
        return new RateLimitedException(getMessage(), directory(), retryAfter, this);
    }

    /** The earliest instant the CA accepts another attempt, when it said so. */
    public Optional<Instant> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}

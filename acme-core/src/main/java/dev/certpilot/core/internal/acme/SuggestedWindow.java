package dev.certpilot.core.internal.acme;

import java.net.URI;
import java.time.Instant;
import java.util.random.RandomGenerator;

/**
 * A CA's suggested renewal window for one certificate (ACME Renewal Information, RFC 9773). Immutable.
 *
 * @param start      renew no earlier than this
 * @param end        renew before this
 * @param retryAfter  when to ask the CA again, or null if it did not say
 * @param explanation the CA's page explaining the window (RFC 9773's {@code explanationURL}, given when it asks for
 *                    an early renewal, such as before a mass revocation), or null
 */
public record SuggestedWindow(Instant start, Instant end, Instant retryAfter, URI explanation) {

    /** A window without an explanation. */
    public SuggestedWindow(Instant start, Instant end, Instant retryAfter) {
        this(start, end, retryAfter, null);
    }

    public SuggestedWindow {
        if (end.isBefore(start)) {
            throw new IllegalArgumentException("Renewal window ends before it starts: " + start + " to " + end);
        }
    }

    /** A uniformly random instant in the window, as RFC 9773 asks clients to pick. */
    public Instant randomInstant(RandomGenerator random) {
        var span = end.toEpochMilli() - start.toEpochMilli();
        return span <= 0 ? start : start.plusMillis(random.nextLong(span));
    }
}

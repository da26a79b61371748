package dev.certpilot.core.internal.acme;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;

import org.shredzone.acme4j.PollableResource;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.exception.AcmeException;

/**
 * Polls an ACME resource until it reaches a final status: a short first interval (a local CA validates in
 * milliseconds) growing by half up to a cap, so that the change is seen at most half the time already waited after
 * it happened (doubling: as long again), never sooner than the CA's Retry-After. Stateless.
 */
public final class Poller {

    static final Duration FIRST_INTERVAL = Duration.ofMillis(10);
    static final Duration MAX_INTERVAL = Duration.ofSeconds(5);

    private Poller() {
    }

    /**
     * @return the status reached
     * @throws AcmeException if the CA fails, or the deadline passes (the message says what was awaited)
     */
    static Status await(PollableResource resource, Set<Status> done, Instant deadline, String what)
            throws AcmeException, InterruptedException {
        var interval = FIRST_INTERVAL;
        var next = Instant.now().plus(interval);
        while (!done.contains(resource.getStatus())) {
            if (!next.isBefore(deadline)) {
                sleepUntil(deadline);
                throw new TimedOut("Timed out waiting for " + what + " (status still " + resource.getStatus() + ")");
            }
            sleepUntil(next);
            var retryAfter = resource.fetch();
            interval = grown(interval);
            next = Instant.now().plus(interval);
            if (retryAfter.isPresent() && retryAfter.get().isAfter(next)) {
                next = retryAfter.get();
            }
        }
        return resource.getStatus();
    }

    /** The interval after {@code interval}: half as long again, at most {@link #MAX_INTERVAL}. */
    static Duration grown(Duration interval) {
        var next = interval.plus(interval.dividedBy(2));
        return next.compareTo(MAX_INTERVAL) > 0 ? MAX_INTERVAL : next;
    }

    /** The deadline passed before the resource reached a final status. */
    static final class TimedOut extends AcmeException {
        private static final long serialVersionUID = 1L;

        TimedOut(String message) {
            super(message);
        }
    }

    private static void sleepUntil(Instant instant) throws InterruptedException {
        var nanos = Duration.between(Instant.now(), instant).toNanos();
        if (nanos > 0) {
            Thread.sleep((nanos + 999_999) / 1_000_000);
        }
    }
}

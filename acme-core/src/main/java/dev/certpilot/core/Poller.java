package dev.certpilot.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;

import org.shredzone.acme4j.PollableResource;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.exception.AcmeException;

/**
 * Polls an ACME resource until it reaches a final status: a short first interval (a local CA validates in
 * milliseconds) doubling up to a cap, never sooner than the CA's Retry-After. Stateless.
 */
final class Poller {

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
        while (!done.contains(resource.getStatus())) {
            var now = Instant.now();
            if (!now.isBefore(deadline)) {
                throw new AcmeException("Timed out waiting for " + what + " (status still "
                        + resource.getStatus() + ")");
            }
            var wait = Duration.between(now, deadline).compareTo(interval) < 0 ? Duration.between(now, deadline)
                    : interval;
            Thread.sleep(Math.max(1, wait.toMillis()));
            var retryAfter = resource.fetch();
            interval = interval.multipliedBy(2).compareTo(MAX_INTERVAL) > 0 ? MAX_INTERVAL : interval.multipliedBy(2);
            if (retryAfter.isPresent() && !done.contains(resource.getStatus())) {
                var untilRetry = Duration.between(Instant.now(), retryAfter.get());
                if (untilRetry.compareTo(interval) > 0) {
                    interval = untilRetry;
                }
            }
        }
        return resource.getStatus();
    }
}

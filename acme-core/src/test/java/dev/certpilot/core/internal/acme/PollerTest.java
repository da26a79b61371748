package dev.certpilot.core.internal.acme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.shredzone.acme4j.PollableResource;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.exception.AcmeException;

class PollerTest {

    @Test
    void aResourceAlreadyFinalIsNotFetched() throws Exception {
        var resource = new FakeResource(Status.VALID, List.of(), null);

        assertThat(Poller.await(resource, EnumSet.of(Status.VALID), Instant.now().plusSeconds(5), "x"))
                .isEqualTo(Status.VALID);
        assertThat(resource.fetches).isEmpty();
    }

    @Test
    void pollsBackOffFromAShortFirstInterval() throws Exception {
        var resource = new FakeResource(Status.PENDING,
                List.of(Status.PENDING, Status.PENDING, Status.PENDING, Status.VALID), null);
        var started = Instant.now();

        Poller.await(resource, EnumSet.of(Status.VALID), Instant.now().plusSeconds(5), "x");

        assertThat(resource.fetches).hasSize(4);
        assertThat(Duration.between(started, resource.fetches.get(0)))
                .isGreaterThanOrEqualTo(Poller.FIRST_INTERVAL);
        var gaps = new ArrayList<Duration>();
        for (int i = 1; i < resource.fetches.size(); i++) {
            gaps.add(Duration.between(resource.fetches.get(i - 1), resource.fetches.get(i)));
        }
        assertThat(gaps.get(0)).isGreaterThanOrEqualTo(Poller.grown(Poller.FIRST_INTERVAL));
        assertThat(gaps.get(2)).isGreaterThanOrEqualTo(Poller.grown(Poller.grown(Poller.grown(Poller.FIRST_INTERVAL))));
        assertThat(Poller.grown(Duration.ofMillis(100))).isEqualTo(Duration.ofMillis(150));
        assertThat(Poller.grown(Poller.MAX_INTERVAL)).isEqualTo(Poller.MAX_INTERVAL);
    }

    @Test
    void theNextPollWaitsForTheCasRetryAfter() throws Exception {
        var retryAfter = Duration.ofMillis(400);
        var resource = new FakeResource(Status.PENDING, List.of(Status.PROCESSING, Status.VALID), retryAfter);

        Poller.await(resource, EnumSet.of(Status.VALID), Instant.now().plusSeconds(5), "x");

        assertThat(resource.fetches).hasSize(2);
        assertThat(resource.fetches.get(1)).isAfterOrEqualTo(resource.retryAfters.get(0));
    }

    @Test
    void theDeadlineEndsPollingWithAMessageSayingWhatWasAwaited() {
        var resource = new FakeResource(Status.PENDING, List.of(), null);

        assertThatThrownBy(() -> Poller.await(resource, EnumSet.of(Status.VALID), Instant.now().plusMillis(100),
                "validation of shop.test"))
                .isInstanceOf(AcmeException.class)
                .hasMessageContaining("validation of shop.test").hasMessageContaining("PENDING");
    }

    /** Answers a scripted status per fetch (then stays), recording when each fetch happened. */
    private static final class FakeResource implements PollableResource {
        final List<Instant> fetches = new ArrayList<>();
        final List<Instant> retryAfters = new ArrayList<>();
        private final List<Status> script;
        private final Duration retryAfter;
        private Status status;

        FakeResource(Status initial, List<Status> script, Duration retryAfter) {
            this.status = initial;
            this.script = script;
            this.retryAfter = retryAfter;
        }

        @Override
        public Status getStatus() {
            return status;
        }

        @Override
        public Optional<Instant> fetch() {
            var now = Instant.now();
            fetches.add(now);
            if (fetches.size() <= script.size()) {
                status = script.get(fetches.size() - 1);
            }
            if (retryAfter == null) {
                return Optional.empty();
            }
            var at = now.plus(retryAfter);
            retryAfters.add(at);
            return Optional.of(at);
        }
    }
}

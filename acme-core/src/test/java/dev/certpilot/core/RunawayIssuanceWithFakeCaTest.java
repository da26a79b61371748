package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.core.internal.acme.SuggestedWindow;

/**
 * A certificate that is due for renewal as it arrives does not start an order loop, with a CA at the issuer boundary
 * doing what a real one cannot on demand: certificates of two seconds, a CA whose clock is 70 days behind this host's,
 * and a renewal window (ARI) in the past for every new serial. Each case is a failure with its reason and its
 * back-off (production's: one minute first), and no further order follows at once; {@code renewNow} still orders.
 * Certificates of a few seconds, not due on arrival, are ordered at most five times a minute.
 */
class RunawayIssuanceWithFakeCaTest {

    @TempDir
    Path storage;

    private final MutableClock clock = new MutableClock();
    private final EventLog events = new EventLog();

    private CertificateManager manager(FakeIssuer issuer) {
        return FakeCaManagers.builder(storage, clock, events, issuer)
                .retryBackoff(Duration.ofMinutes(1), Duration.ofHours(6)) // the defaults
                .checkInterval(Duration.ofHours(1))
                .domain("shop.test")
                .build();
    }

    /** Waits for the first order's failure and checks that it says {@code why} and backs off a minute or more. */
    private void assertNoLoop(CertificateManager manager, FakeIssuer issuer, String why) throws Exception {
        manager.start();
        var failed = events.await(CertificateEvent.Failed.class, 1, Duration.ofSeconds(10));
        assertThat(failed.cause()).hasMessageContaining("was due for renewal on arrival").hasMessageContaining(why);
        assertThat(failed.nextAttempt()).as("backed off")
                .isAfterOrEqualTo(clock.instant().plus(Duration.ofSeconds(55)));
        var next = failed.nextAttempt().truncatedTo(ChronoUnit.MILLIS);
        var status = manager.status().get(0);
        for (int i = 0; i < 100 && status.nextCheck().isBefore(next); i++) {
            Thread.sleep(20); // the event is told just before the next check is scheduled
            status = manager.status().get(0);
        }
        assertThat(status.bootstrap()).as("the CA's certificate is served all the same").isFalse();
        assertThat(status.nextCheck()).isEqualTo(next);
        assertThat(status.failedAttempts()).isEqualTo(1);
        assertThat(status.lastError()).contains("due for renewal on arrival");
        assertThat(issuer.calls()).as("one order, no loop").hasSize(1);
    }

    @Test
    void certificatesOfTwoSecondsAreOrderedOnceNotInALoop() throws Exception {
        var issuer = new FakeIssuer(FakeCaManagers.CA, clock).validity(Duration.ofSeconds(2));
        try (var manager = manager(issuer)) {
            assertNoLoop(manager, issuer, "the CA issued it for only PT2S");

            assertThatThrownBy(() -> manager.renewNow("shop.test")).as("it says what is wrong")
                    .hasMessageContaining("the CA issued it for only PT2S");
            assertThat(issuer.calls()).as("renewNow is not held back by the floor").hasSize(2);
        }
    }

    @Test
    void certificatesOfFiveSecondsAreOrderedOnceNotInALoop() throws Exception {
        // not due within a second of arriving, but too short to be of use
        var issuer = new FakeIssuer(FakeCaManagers.CA, clock).validity(Duration.ofSeconds(5));
        try (var manager = manager(issuer)) {
            assertNoLoop(manager, issuer, "the CA issued it for only PT5S");
        }
    }

    @Test
    void atMostFiveCertificatesOfANameAreOrderedWithinTheirLifetime() throws Exception {
        // renewed when 80% of 20 s remain: every 2.4 to 4 s, each not quite due on arrival
        var issuer = new FakeIssuer(FakeCaManagers.CA, clock).validity(Duration.ofSeconds(20));
        try (var manager = FakeCaManagers.builder(storage, clock, events, issuer).renewalWindow(0.8)
                .retryBackoff(Duration.ofMinutes(1), Duration.ofHours(6)).checkInterval(Duration.ofHours(1))
                .domain("shop.test").build()) {
            manager.start();
            var held = events.await(CertificateEvent.Failed.class, 1, Duration.ofSeconds(40));
            assertThat(held.cause()).hasMessageContaining("was issued 5 times within PT20S")
                    .hasMessageContaining("unless renewNow asks for one");
            assertThat(issuer.calls()).as("five orders, then held back").hasSize(5);
            var first = issuer.calls().get(0).time();
            var last = issuer.calls().get(4).time();
            var until = first.plusSeconds(20).isBefore(last.plusSeconds(10)) ? first.plusSeconds(20)
                    : last.plusSeconds(10);
            assertThat(held.nextAttempt()).as("until the first is a lifetime old, or half of it after the last")
                    .isBetween(until, until.plusSeconds(1));
        }
    }

    @Test
    void aClockAheadOfTheCasOrdersOnceAndSaysSo() throws Exception {
        var issuer = new FakeIssuer(FakeCaManagers.CA, Clock.systemUTC()); // the CA's clock
        clock.jump(Duration.ofDays(70)); // this host's clock: past the renewal time of a 90-day certificate
        try (var manager = manager(issuer)) {
            assertNoLoop(manager, issuer, "this host's clock");
        }
    }

    @Test
    void aRenewalWindowInThePastForEveryNewSerialOrdersOnce() throws Exception {
        var issuer = new FakeIssuer(FakeCaManagers.CA, clock).renewalInfo(leaf -> Optional.of(new SuggestedWindow(
                clock.instant().minus(Duration.ofDays(2)), clock.instant().minus(Duration.ofDays(1)), null)));
        try (var manager = manager(issuer)) {
            assertNoLoop(manager, issuer, "renewal information (ARI)");
        }
    }
}

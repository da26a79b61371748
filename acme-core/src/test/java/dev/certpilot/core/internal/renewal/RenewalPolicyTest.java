package dev.certpilot.core.internal.renewal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.certpilot.core.HighestRandom;
import dev.certpilot.core.internal.tls.SelfSigned;
import dev.certpilot.core.spi.StoredCertificate;

class RenewalPolicyTest {

    private static final Instant NOW = Instant.parse("2026-11-22T00:00:00Z");

    private static RenewalPolicy policy(long salt) {
        return new RenewalPolicy(1.0 / 3, Duration.ofMinutes(1), Duration.ofHours(6), Duration.ofDays(7),
                Duration.ofHours(1), 3, salt);
    }

    @Test
    void theLifetimeRuleRenewsInTheLastThirdSpreadOverATenthBeforeIt() {
        var bundle = SelfSigned.bundle("shop", NOW, Duration.ofDays(90), "shop.test");
        var starts = new HashSet<Instant>();
        for (long salt = 0; salt < 50; salt++) {
            var due = policy(salt).lifetimeDue(StoredCertificate.of(bundle));
            assertThat(due).isBetween(NOW.plus(Duration.ofDays(57)), NOW.plus(Duration.ofDays(60)));
            assertThat(policy(salt).lifetimeDue(StoredCertificate.of(bundle))).as("stable for one manager").isEqualTo(due);
            starts.add(due);
        }
        assertThat(starts).as("managers spread out").hasSizeGreaterThan(45);
    }

    @Test
    void theWindowScalesDownToShortLivedCertificates() {
        var bundle = SelfSigned.bundle("shop", NOW, Duration.ofHours(6), "shop.test");

        assertThat(policy(7).lifetimeDue(StoredCertificate.of(bundle))).isBetween(NOW.plus(Duration.ofMinutes(216)),
                NOW.plus(Duration.ofHours(4)));
    }

    @Test
    void byDefaultShortLivedCertificatesRenewAtHalfTheirLifeAndOthersInTheLastThird() {
        var byDefault = new RenewalPolicy(0, Duration.ofMinutes(1), Duration.ofHours(6), Duration.ofDays(7),
                Duration.ofHours(1), 3, 7);
        var sixDays = StoredCertificate.of(SelfSigned.bundle("short", NOW, Duration.ofHours(160), "short.test"));
        var ninetyDays = StoredCertificate.of(SelfSigned.bundle("long", NOW, Duration.ofDays(90), "long.test"));
        var tenDays = StoredCertificate.of(SelfSigned.bundle("ten", NOW, Duration.ofDays(10), "ten.test"));
        var elevenDays = StoredCertificate.of(SelfSigned.bundle("eleven", NOW, Duration.ofDays(11), "eleven.test"));

        assertThat(byDefault.lifetimeDue(sixDays)).as("80 h left, up to 8 h earlier")
                .isBetween(NOW.plus(Duration.ofHours(72)), NOW.plus(Duration.ofHours(80)));
        assertThat(byDefault.lifetimeDue(ninetyDays)).isBetween(NOW.plus(Duration.ofDays(57)),
                NOW.plus(Duration.ofDays(60)));
        assertThat(byDefault.lifetimeDue(tenDays)).isBetween(NOW.plus(Duration.ofHours(108)),
                NOW.plus(Duration.ofDays(5)));
        var elevenWindow = Duration.ofDays(11).dividedBy(3);
        assertThat(byDefault.lifetimeDue(elevenDays)).as("a third left, up to a tenth of that earlier")
                .isBetween(NOW.plus(Duration.ofDays(11)).minus(elevenWindow).minus(elevenWindow.dividedBy(10)),
                        NOW.plus(Duration.ofDays(11)).minus(elevenWindow));
        assertThat(policy(7).lifetimeDue(sixDays)).as("a fraction set by the user applies to all")
                .isAfter(NOW.plus(Duration.ofHours(100)));
        assertThat(byDefault.expiring(sixDays, NOW.plus(Duration.ofHours(115)))).as("40 h left").isFalse();
        assertThat(byDefault.expiring(sixDays, NOW.plus(Duration.ofHours(125)))).as("35 h left").isTrue();
    }

    @Test
    void backOffDoublesUpToTheMaximumWithAtMostATenthAdded() {
        var policy = policy(1);
        var expected = new long[] {1, 2, 4, 8, 16, 32, 64, 128, 256, 360, 360};
        for (int failures = 1; failures <= expected.length; failures++) {
            var base = Duration.ofMinutes(expected[failures - 1]);
            assertThat(policy.backoff(failures, new SplittableRandom(failures))).as("after %d failures", failures)
                    .isBetween(base, base.plus(base.dividedBy(10)));
        }
        assertThat(policy.backoff(10_000, new SplittableRandom(1))).isLessThanOrEqualTo(Duration.ofMinutes(396));
    }

    @Test
    void theBackOffJitterComesFromTheGivenRandomSource() {
        var policy = policy(1);

        assertThat(policy.backoff(3, new SplittableRandom(42))).isEqualTo(policy.backoff(3, new SplittableRandom(42)));
        assertThat(policy.backoff(3, new HighestRandom())).isEqualTo(Duration.ofMinutes(4).plus(Duration.ofSeconds(24)));
    }

    /** A random source that always draws the highest value allowed. */
    @Test
    void expiringMeansLessThanTheWarningOrHalfTheWindowRemains() {
        var longLived = SelfSigned.bundle("shop", NOW, Duration.ofDays(90), "shop.test");
        assertThat(policy(1).expiring(StoredCertificate.of(longLived), NOW.plus(Duration.ofDays(82)))).isFalse();
        assertThat(policy(1).expiring(StoredCertificate.of(longLived), NOW.plus(Duration.ofDays(84)))).isTrue();

        var shortLived = SelfSigned.bundle("shop", NOW, Duration.ofHours(6), "shop.test"); // window 2 h
        assertThat(policy(1).expiring(StoredCertificate.of(shortLived), NOW.plus(Duration.ofMinutes(290)))).isFalse();
        assertThat(policy(1).expiring(StoredCertificate.of(shortLived), NOW.plus(Duration.ofMinutes(310)))).isTrue();
    }

    @Test
    void theBackoffNeverWaitsBeyondAQuarterOfWhatRemainsOfTheServedCertificate() {
        var random = new java.util.Random(7);
        var minute = StoredCertificate.of(SelfSigned.bundle("short", NOW.minusSeconds(40), Duration.ofSeconds(60),
                "short.test"));
        assertThat(policy(1).backoff(5, random, minute, NOW)).as("20 s left: at most 5 s, not 16 min")
                .isEqualTo(Duration.ofSeconds(5));
        assertThat(policy(1).backoff(5, random, minute, NOW.plusMillis(19_800))).as("a floor of one second")
                .isEqualTo(RenewalPolicy.MIN_RETRY);
        var quarterly = StoredCertificate.of(SelfSigned.bundle("long", NOW.minus(Duration.ofDays(60)),
                Duration.ofDays(90), "long.test"));
        assertThat(policy(1).backoff(3, new java.util.Random(7), quarterly, NOW))
                .as("30 days left: the plain back-off").isEqualTo(policy(1).backoff(3, new java.util.Random(7)));
        assertThat(policy(1).backoff(3, new java.util.Random(7), minute, NOW.plusSeconds(30)))
                .as("expired: an outage, retried at the first retry's wait").isEqualTo(Duration.ofMinutes(1));
        assertThat(policy(1).backoff(3, new java.util.Random(7), null, NOW))
                .isEqualTo(policy(1).backoff(3, new java.util.Random(7)));
    }

    @Test
    void anExpiredCertificateIsRetriedAtTheFirstRetrysWaitHoweverLongTheBackOffGrew() {
        var forty = StoredCertificate.of(SelfSigned.bundle("soak", NOW, Duration.ofSeconds(40), "soak.test"));
        var random = new SplittableRandom(3);

        assertThat(policy(1).backoff(5, random, forty, NOW.plusSeconds(50))).as("expired 10 s ago")
                .isEqualTo(Duration.ofMinutes(1));
        assertThat(policy(1).backoff(5, random, forty, NOW.plusSeconds(30))).as("10 s left: a quarter of it")
                .isEqualTo(Duration.ofMillis(2500));
        assertThat(policy(1).backoff(5, random, null, NOW)).as("nothing served: the plain back-off")
                .isGreaterThanOrEqualTo(Duration.ofMinutes(16));
    }

    @Test
    void aStoreThatStaysDownIsRetriedAtGrowingIntervalsUpToFiveMinutes() {
        assertThat(java.util.stream.IntStream.rangeClosed(1, 8).mapToObj(RenewalPolicy::storageBackoff).toList())
                .containsExactly(Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(40),
                        Duration.ofSeconds(80), Duration.ofSeconds(160), Duration.ofMinutes(5), Duration.ofMinutes(5),
                        Duration.ofMinutes(5));
    }
}

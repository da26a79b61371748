package dev.certpilot.core.internal.renewal;

import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.random.RandomGenerator;

import dev.certpilot.core.CertificateEvent;
import dev.certpilot.core.spi.StoredCertificate;

/**
 * When to renew and when to retry: the manager's renewal settings and the arithmetic on them. Immutable.
 *
 * @param renewalWindow renew once less than this fraction of the lifetime remains (the builder's
 *                      {@code renewalWindow}, not the CA's suggested window); 0 for the default, which is
 *                      {@link #DEFAULT_FRACTION}, or {@link #SHORT_LIVED_FRACTION} for short-lived certificates
 * @param retryInitial  the wait after the first failure, doubled after each further one
 * @param retryMax      the longest wait between attempts
 * @param expiryWarning warn ({@link CertificateEvent.Expiring}) when renewal fails and less than this remains
 * @param checkInterval the longest time between two checks of a certificate (ARI, storage, clock jumps)
 * @param failoverAfter failures in a row before the next CA is tried
 * @param salt          spreads renewal times differently in each manager
 */
public record RenewalPolicy(double renewalWindow, Duration retryInitial, Duration retryMax, Duration expiryWarning,
                            Duration checkInterval, int failoverAfter, long salt) {

    /** The share of the renewal window over which renewals are spread before it opens. */
    static final double JITTER = 0.1;

    /** The default renewal window: the last third of the lifetime (30 days of 90). */
    static final double DEFAULT_FRACTION = 1.0 / 3;

    /** The default renewal window of a short-lived certificate: the second half of its lifetime. */
    static final double SHORT_LIVED_FRACTION = 0.5;

    /**
     * The longest lifetime of a short-lived certificate: Let's Encrypt's {@code shortlived} profile issues for 160
     * hours, and renewing those at half their life leaves three days to retry in.
     */
    static final Duration SHORT_LIVED = Duration.ofDays(10);

    /**
     * How many certificates of one name may arrive within one lifetime of the latest, unless an order is forced: a
     * normal renewal orders twice a lifetime at most. In the spirit of Let's Encrypt's limit of 5 duplicate
     * certificates a week, a backstop against whatever makes a name due again and again, which would spend the
     * account's limits that every other name shares.
     */
    static final int ORDERS_PER_LIFETIME = 5;

    /** Certificates shorter than this are of no use to serve: a CA that issues them is at fault. */
    static final Duration SHORTEST_LIFETIME = Duration.ofSeconds(10);

    /**
     * Whether {@code certificate}, which arrived at {@code now}, is already due when it arrives (at {@code due}):
     * within the shortest retry, or a hundredth of its lifetime, or it lives less than {@link #SHORTEST_LIFETIME}.
     * Renewing it at once is how an order loop starts (a clock ahead of the CA's, a renewal window in the past, a CA
     * issuing certificates of seconds).
     */
    static boolean dueOnArrival(StoredCertificate certificate, Instant due, Instant now) {
        var lifetime = Duration.between(certificate.notBefore(), certificate.notAfter());
        var margin = lifetime.dividedBy(100);
        return lifetime.compareTo(SHORTEST_LIFETIME) < 0
                || due.isBefore(now.plus(margin.compareTo(MIN_RETRY) > 0 ? margin : MIN_RETRY));
    }

    /** The fraction of a certificate of {@code lifetime} left when it falls due. */
    double window(Duration lifetime) {
        if (renewalWindow > 0) {
            return renewalWindow;
        }
        return lifetime.compareTo(SHORT_LIVED) <= 0 ? SHORT_LIVED_FRACTION : DEFAULT_FRACTION;
    }

    /**
     * When to renew {@code certificate} by the lifetime rule: when its {@linkplain #window window} of its
     * lifetime remains, moved earlier by a jitter of up to a tenth of that, fixed for each certificate and manager.
     */
    Instant lifetimeDue(StoredCertificate certificate) {
        var lifetime = Duration.between(certificate.notBefore(), certificate.notAfter());
        var window = (long) (lifetime.toMillis() * window(lifetime));
        var jitterSpan = (long) (window * JITTER);
        var jitter = jitterSpan <= 0 ? 0 : Math.floorMod(mix(certificate.serial(), salt), jitterSpan);
        return certificate.notAfter().minusMillis(window + jitter);
    }

    /**
     * The wait after {@code failures} failures in a row: {@code retryInitial} doubled for each failure after the
     * first, at most {@code retryMax}, plus up to a tenth more (drawn from {@code random}) so that instances spread
     * out.
     */
    Duration backoff(int failures, RandomGenerator random) {
        var base = retryInitial;
        for (int i = 1; i < failures && base.compareTo(retryMax) < 0; i++) {
            base = base.multipliedBy(2);
        }
        if (base.compareTo(retryMax) > 0) {
            base = retryMax;
        }
        var spread = base.toMillis() / 10;
        return spread <= 0 ? base : base.plusMillis(random.nextLong(spread + 1));
    }

    /** The first wait after the store failed, and the longest. */
    static final Duration STORAGE_RETRY = Duration.ofSeconds(10);
    static final Duration STORAGE_RETRY_MAX = Duration.ofMinutes(5);

    /**
     * The wait after {@code failures} failures in a row of the store, not the CA (a database restarting, a full
     * disk): {@link #STORAGE_RETRY}, doubled after each further failure, at most {@link #STORAGE_RETRY_MAX}; the
     * caller never waits longer than the CA's back-off. No rate limit is at stake, and a renewal may be near the
     * expiry, but a store that stays down is not asked every few seconds for ever.
     */
    static Duration storageBackoff(int failures) {
        var wait = STORAGE_RETRY.multipliedBy(1L << Math.min(Math.max(failures, 1) - 1, 5));
        return wait.compareTo(STORAGE_RETRY_MAX) > 0 ? STORAGE_RETRY_MAX : wait;
    }

    /** The shortest wait between attempts, however close the expiry. */
    static final Duration MIN_RETRY = Duration.ofSeconds(1);

    /**
     * {@link #backoff(int, RandomGenerator)}, but never more than a quarter of what remains of {@code served} (at
     * least {@link #MIN_RETRY}): while the CA answers, a short-lived certificate gets several more attempts before it
     * lapses, however long the back-off has grown. Once it has expired, never more than the first retry's wait:
     * every minute without a certificate is an outage. No cap when nothing is served.
     */
    Duration backoff(int failures, RandomGenerator random, StoredCertificate served, Instant now) {
        var wait = backoff(failures, random);
        if (served == null) {
            return wait;
        }
        if (!served.notAfter().isAfter(now)) {
            return wait.compareTo(retryInitial) > 0 ? retryInitial : wait;
        }
        var quarter = Duration.between(now, served.notAfter()).dividedBy(4);
        var cap = quarter.compareTo(MIN_RETRY) < 0 ? MIN_RETRY : quarter;
        return wait.compareTo(cap) > 0 ? cap : wait;
    }

    /**
     * Whether {@code certificate}, still served while renewal fails, is close enough to expiry to warn: less than
     * {@code expiryWarning} or half the renewal window remains, whichever is shorter.
     */
    boolean expiring(StoredCertificate certificate, Instant now) {
        var lifetime = Duration.between(certificate.notBefore(), certificate.notAfter());
        var halfWindow = Duration.ofMillis((long) (lifetime.toMillis() * window(lifetime) / 2));
        var threshold = halfWindow.compareTo(expiryWarning) < 0 ? halfWindow : expiryWarning;
        return Duration.between(now, certificate.notAfter()).compareTo(threshold) < 0;
    }

    private static long mix(BigInteger serial, long salt) {
        var z = serial.longValue() ^ salt;
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}

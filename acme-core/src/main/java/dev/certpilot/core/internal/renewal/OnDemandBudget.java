package dev.certpilot.core.internal.renewal;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.OnDemandTls;
import dev.certpilot.core.spi.CertificateStore;

/**
 * The budget of new on-demand orders, {@link OnDemandTls#maxNewOrders()} per {@link OnDemandTls#newOrdersPer()} (a
 * token bucket: a burst of that many, then evenly), kept in the store so that every instance sharing it, and every
 * restart, draws from one bucket: a per-process budget gave each node and each restart a fresh one. Under the lease
 * {@value #KEY}, its state (tokens left and when they were counted) is read and written as the store's short-lived
 * value {@value #KEY}, which expires once an empty bucket would have refilled. A store that cannot be reached, or a
 * lease that stays taken, denies: no order is better than an unbounded number. Thread-safe: one taker at a time.
 */
final class OnDemandBudget {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.ondemand");
    /** The lease and the value; certificate names never start with an underscore. */
    static final String KEY = "_on-demand-budget";
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final int ATTEMPTS = 20;
    private static final long PAUSE_MILLIS = 50;

    private final CertificateStore store;
    private final Clock clock;
    private final int size;
    private final Duration period;

    OnDemandBudget(CertificateStore store, Clock clock, OnDemandTls config) {
        this.store = store;
        this.clock = clock;
        this.size = config.maxNewOrders();
        this.period = config.newOrdersPer();
    }

    /** Takes a token if one is left; false when the budget is spent or cannot be read. */
    synchronized boolean take() {
        try {
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                var lease = store.tryLease(KEY, LEASE);
                if (lease.isPresent()) {
                    try (var held = lease.get()) {
                        var now = clock.millis();
                        var tokens = tokens(store.challenge(KEY).orElse(null), now);
                        if (tokens < 1) {
                            return false;
                        }
                        store.putChallenge(KEY, String.format(Locale.ROOT, "%.6f;%d", tokens - 1, now), period);
                        return true;
                    }
                }
                Thread.sleep(PAUSE_MILLIS); // another instance is taking one: a few milliseconds
            }
            LOG.warn("The on-demand order budget in {} stayed leased by another instance; not ordering now", store);
            return false;
        } catch (IOException e) {
            LOG.warn("Cannot read the on-demand order budget in {} ({}); not ordering now", store, e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The tokens in the bucket at {@code now}, from the stored state (null or unreadable: a full bucket). */
    private double tokens(String state, long now) {
        if (state == null) {
            return size;
        }
        try {
            var parts = state.split(";", 2);
            var counted = Long.parseLong(parts[1]);
            var refill = (double) Math.max(0, now - counted) * size / period.toMillis();
            return Math.min(size, Double.parseDouble(parts[0]) + refill);
        } catch (RuntimeException e) {
            LOG.warn("The on-demand order budget in {} is unreadable ('{}'); starting a full one", store, state);
            return size;
        }
    }
}

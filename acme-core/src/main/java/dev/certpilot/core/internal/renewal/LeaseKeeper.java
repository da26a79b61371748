package dev.certpilot.core.internal.renewal;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.spi.Lease;
import dev.certpilot.core.spi.LeaseLostException;

/**
 * Keeps the store's leases alive while their orders run: renews each every third of its duration on the store's
 * thread, so that a lease outlives a slow order but ends soon after its holder dies. A renewal that fails because
 * the storage is unreachable is retried at the next beat; a lost lease is reported once, and the order's save is
 * then refused by the store. Thread-safe.
 */
public final class LeaseKeeper {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.storage");

    private final Duration duration;
    private final ScheduledExecutorService executor;

    LeaseKeeper(Duration duration, ScheduledExecutorService executor) {
        this.duration = duration;
        this.executor = executor;
    }

    /** Renews {@code lease} until the returned handle is closed, which also releases the lease. */
    Held keep(Lease lease) {
        var period = Math.max(1, duration.toMillis() / 3);
        var held = new Held(lease);
        held.beat = executor.scheduleAtFixedRate(held::renew, period, period, TimeUnit.MILLISECONDS);
        return held;
    }

    /** A lease being kept; {@link #close()} stops renewing and releases it. Used by the thread that took it. */
    static final class Held implements AutoCloseable {

        private final Lease lease;
        private volatile ScheduledFuture<?> beat;
        private boolean unreachable;

        private Held(Lease lease) {
            this.lease = lease;
        }

        Lease lease() {
            return lease;
        }

        private synchronized void renew() {
            try {
                lease.renew();
                if (unreachable) {
                    LOG.info("Renewed the lease of certificate {} again", lease.name());
                    unreachable = false;
                }
            } catch (LeaseLostException e) {
                LOG.warn("Lost the lease of certificate {} while obtaining it ({}); its save will be refused and "
                        + "retried under a new lease", lease.name(), e.getMessage());
                var scheduled = beat;
                if (scheduled != null) {
                    scheduled.cancel(false);
                }
            } catch (IOException | RuntimeException e) {
                if (!unreachable) {
                    LOG.warn("Cannot renew the lease of certificate {} ({}); it holds until {}", lease.name(),
                            e.getMessage(), lease.expiresAt());
                    unreachable = true;
                }
            }
        }

        @Override
        public void close() {
            beat.cancel(false);
            synchronized (this) {
                lease.close();
            }
        }
    }
}

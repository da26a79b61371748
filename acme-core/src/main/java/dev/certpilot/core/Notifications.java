package dev.certpilot.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import dev.certpilot.core.spi.Notifier;

/**
 * Who is told what goes wrong, and how often: give it to {@link CertificateManagerBuilder#notifications}. Each
 * notifier hears of a first certificate the CA has not issued after two attempts, a renewal that keeps failing while
 * the certificate expires soon or has expired, a revocation, a failover to another CA, a store that cannot save, the
 * end of each of these problems, and, if asked for, each issuance.
 *
 * <p>No storms: one notice per certificate and problem, again only when the problem changes (another kind, another
 * cause) or {@link #reminderInterval()} has passed; notices that arise together are sent as one digest when there are
 * more than three. Notices wait in a queue of {@link #queueCapacity()}: when it is full, new ones are dropped and
 * counted, so that a slow notifier never holds a renewal or a handshake. Immutable.
 */
public final class Notifications {

    /** Default {@link #reminderInterval()}: a day. */
    public static final Duration DEFAULT_REMINDER_INTERVAL = Duration.ofDays(1);
    /** Default {@link #queueCapacity()}. */
    public static final int DEFAULT_QUEUE_CAPACITY = 256;

    private final List<Notifier> notifiers;
    private final Duration reminderInterval;
    private final boolean onIssuance;
    private final int queueCapacity;

    private Notifications(Builder builder) {
        this.notifiers = List.copyOf(builder.notifiers);
        this.reminderInterval = builder.reminderInterval;
        this.onIssuance = builder.onIssuance;
        this.queueCapacity = builder.queueCapacity;
    }

    /**
     * Notices for {@code notifiers}, with the defaults.
     *
     * @param notifiers who is told, at least one
     * @return the settings
     */
    public static Notifications to(Notifier... notifiers) {
        return builder(notifiers).build();
    }

    /**
     * A builder of notices for {@code notifiers}.
     *
     * @param notifiers who is told, at least one
     * @return a new builder
     */
    public static Builder builder(Notifier... notifiers) {
        return new Builder(List.of(notifiers));
    }

    /**
     * Who is told.
     *
     * @return the notifiers, at least one
     */
    public List<Notifier> notifiers() {
        return notifiers;
    }

    /**
     * How long a problem that goes on stays untold before a reminder; default a day.
     *
     * @return the interval
     */
    public Duration reminderInterval() {
        return reminderInterval;
    }

    /**
     * Whether each issuance is told too; default not.
     *
     * @return whether issuances are told
     */
    public boolean onIssuance() {
        return onIssuance;
    }

    /**
     * How many notices may wait to be sent; default 256.
     *
     * @return the capacity
     */
    public int queueCapacity() {
        return queueCapacity;
    }

    /** Builds {@link Notifications}; not thread-safe. */
    public static final class Builder {

        private final List<Notifier> notifiers;
        private Duration reminderInterval = DEFAULT_REMINDER_INTERVAL;
        private boolean onIssuance;
        private int queueCapacity = DEFAULT_QUEUE_CAPACITY;

        private Builder(List<Notifier> notifiers) {
            if (notifiers.isEmpty()) {
                throw new IllegalArgumentException("Notifications need at least one notifier, such as "
                        + "WebhookNotifier.builder(url).build() or certpilot-mail's MailNotifier");
            }
            this.notifiers = new ArrayList<>(notifiers);
            this.notifiers.forEach(notifier -> Objects.requireNonNull(notifier, "notifier"));
        }

        /**
         * How long a problem that goes on stays untold before a reminder.
         *
         * @param interval the interval, at least a minute
         * @return this builder
         */
        public Builder reminderInterval(Duration interval) {
            if (interval.compareTo(Duration.ofMinutes(1)) < 0) {
                throw new IllegalArgumentException("The reminder interval must be at least a minute, got " + interval);
            }
            this.reminderInterval = interval;
            return this;
        }

        /**
         * Tells each issuance too, not only problems and their end.
         *
         * @return this builder
         */
        public Builder onIssuance() {
            this.onIssuance = true;
            return this;
        }

        /**
         * How many notices may wait to be sent; more are dropped and counted.
         *
         * @param capacity the capacity, at least 1
         * @return this builder
         */
        public Builder queueCapacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("The notice queue's capacity must be at least 1, got " + capacity);
            }
            this.queueCapacity = capacity;
            return this;
        }

        /**
         * Builds the settings.
         *
         * @return the settings
         */
        public Notifications build() {
            return new Notifications(this);
        }
    }
}

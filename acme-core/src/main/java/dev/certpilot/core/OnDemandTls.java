package dev.certpilot.core;

import java.time.Duration;
import java.util.Objects;

/**
 * On-demand TLS: a handshake for a name that no managed certificate covers gets a certificate obtained during the
 * handshake, if the {@link OnDemandDecision} allows the name. The handshake waits up to {@link #handshakeTimeout};
 * concurrent handshakes for one name share one order, and other names' handshakes never wait for it. A certificate
 * obtained on demand is stored, renewed (each renewal asks the decision again; a name it denies is no longer renewed)
 * and served after a restart without a new order.
 *
 * <p>A handshake for a name that is denied, that the decision cannot judge, that failed within the last back-off
 * (one minute, doubling up to an hour), that is an IP address (RFC 6066 allows none in SNI), or that finds
 * {@link #maxPending} names already waiting, the {@link #maxNewOrders} limit reached, or {@link #maxWaitingHandshakes}
 * handshakes already waiting (in all, or for that name), is treated at once like any name without a certificate: it
 * gets the default certificate, or a {@code handshake_failure} alert if no certificate is managed. So a flood of
 * handshakes for names being decided or ordered holds at most {@code maxWaitingHandshakes} of the server's threads,
 * and every other name is served as before. Refusals are logged at most 20 lines a minute, with a count of the
 * rest. A denial is remembered for a minute. Immutable.
 */
public final class OnDemandTls {

    private final OnDemandDecision decision;
    private final Duration handshakeTimeout;
    private final int maxNewOrders;
    private final Duration newOrdersPer;
    private final int maxPending;
    private final int maxWaitingHandshakes;
    private final int maxWaitingHandshakesPerName;

    private OnDemandTls(Builder builder) {
        this.decision = builder.decision;
        this.handshakeTimeout = builder.handshakeTimeout;
        this.maxNewOrders = builder.maxNewOrders;
        this.newOrdersPer = builder.newOrdersPer;
        this.maxPending = builder.maxPending;
        this.maxWaitingHandshakes = builder.maxWaitingHandshakes;
        this.maxWaitingHandshakesPerName = builder.maxWaitingHandshakesPerName;
    }

    /**
     * On-demand TLS for the names {@code decision} allows, with the defaults below.
     *
     * @param decision decides which names may have a certificate
     * @return the settings
     */
    public static OnDemandTls allowedBy(OnDemandDecision decision) {
        return builder(decision).build();
    }

    /**
     * A builder for on-demand TLS for the names {@code decision} allows.
     *
     * @param decision decides which names may have a certificate
     * @return a new builder
     */
    public static Builder builder(OnDemandDecision decision) {
        return new Builder(decision);
    }

    /**
     * Whether a name may have a certificate.
     *
     * @return the decision
     */
    public OnDemandDecision decision() {
        return decision;
    }

    /**
     * How long a handshake waits for the decision and the certificate; default 10 seconds. Jetty's connector
     * ({@code JettyHttps}) adds it to its deadline for a connection's first request.
     *
     * @return the timeout
     */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /**
     * How many new orders on demand may start per {@link #newOrdersPer()}; default 100 per hour.
     *
     * @return the orders per period
     */
    public int maxNewOrders() {
        return maxNewOrders;
    }

    /**
     * The period of {@link #maxNewOrders()}.
     *
     * @return the period
     */
    public Duration newOrdersPer() {
        return newOrdersPer;
    }

    /**
     * How many names may wait for a decision or an order at once; default 64.
     *
     * @return the names at once
     */
    public int maxPending() {
        return maxPending;
    }

    /**
     * How many handshakes may wait for on-demand certificates at once, for all names; default 64.
     *
     * @return the handshakes at once
     */
    public int maxWaitingHandshakes() {
        return maxWaitingHandshakes;
    }

    /**
     * How many handshakes may wait for the on-demand certificate of one name at once; default 16.
     *
     * @return the handshakes at once for one name
     */
    public int maxWaitingHandshakesPerName() {
        return maxWaitingHandshakesPerName;
    }

    @Override
    public String toString() {
        return "OnDemandTls[timeout " + handshakeTimeout + ", " + maxNewOrders + " orders per " + newOrdersPer + ", "
                + maxPending + " pending, " + maxWaitingHandshakes + " waiting handshakes ("
                + maxWaitingHandshakesPerName + " per name)]";
    }

    /** Configures {@link OnDemandTls}; each setter checks its value. Not thread-safe. */
    public static final class Builder {

        private final OnDemandDecision decision;
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private int maxNewOrders = 100;
        private Duration newOrdersPer = Duration.ofHours(1);
        private int maxPending = 64;
        private int maxWaitingHandshakes = 64;
        private int maxWaitingHandshakesPerName = 16;

        private Builder(OnDemandDecision decision) {
            this.decision = Objects.requireNonNull(decision, "decision: on-demand TLS needs a decision (an open one "
                    + "would let anyone make the server order certificates)");
        }

        /**
         * How long a handshake waits for the decision and the certificate; the order goes on after it.
         *
         * @param timeout the longest wait, positive
         * @return this builder
         */
        public Builder handshakeTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "handshakeTimeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("handshakeTimeout must be positive, got " + timeout);
            }
            this.handshakeTimeout = timeout;
            return this;
        }

        /**
         * At most {@code orders} new orders on demand per {@code per} (a token bucket: a burst of {@code orders},
         * then evenly); renewals do not count. The budget is kept in the store: every instance sharing it draws from
         * it, and a restart does not refill it. Keep it under the CA's limit on new orders (Let's Encrypt: 300 per 3
         * hours and account).
         *
         * @param orders the burst and rate
         * @param per the period
         * @return this builder
         */
        public Builder maxNewOrders(int orders, Duration per) {
            Objects.requireNonNull(per, "maxNewOrders per");
            if (orders < 1 || per.isNegative() || per.isZero()) {
                throw new IllegalArgumentException("maxNewOrders must be at least 1 per a positive period, got "
                        + orders + " per " + per);
            }
            this.maxNewOrders = orders;
            this.newOrdersPer = per;
            return this;
        }

        /**
         * How many names may wait for a decision or an order at once; beyond it, handshakes are refused at once.
         *
         * @param names the names at once, at least 1
         * @return this builder
         */
        public Builder maxPending(int names) {
            if (names < 1 || names > 10_000) {
                throw new IllegalArgumentException("maxPending must be 1 to 10000, got " + names);
            }
            this.maxPending = names;
            return this;
        }

        /**
         * At most {@code total} handshakes wait for on-demand certificates at once, at most {@code perName} of them
         * for one name; the others are refused at once instead of holding one of the server's threads each. Keep
         * {@code total} well under the server's thread pool (Jetty's default: 200).
         *
         * @param total the handshakes at once, at least 1
         * @param perName the handshakes at once for one name, at least 1
         * @return this builder
         */
        public Builder maxWaitingHandshakes(int total, int perName) {
            if (total < 1 || total > 10_000 || perName < 1 || perName > total) {
                throw new IllegalArgumentException("maxWaitingHandshakes must be 1 to 10000 in all and 1 to that many "
                        + "per name, got " + total + " in all and " + perName + " per name");
            }
            this.maxWaitingHandshakes = total;
            this.maxWaitingHandshakesPerName = perName;
            return this;
        }
        /**
         * Builds the settings.
         *
         * @return the settings
         */

        public OnDemandTls build() {
            return new OnDemandTls(this);
        }
    }
}

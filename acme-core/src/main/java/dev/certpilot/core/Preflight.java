package dev.certpilot.core;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What is checked before the first order for a name, so that a misconfiguration is found before the CA refuses the
 * order (and counts it against the account's limits): the name resolves, CAA allows this CA, this account and the
 * challenge types configured, each address answers an HTTP-01 probe as the CA fetches it (port 80, redirects
 * followed) and a TLS-ALPN-01 handshake on port 443, and a DNS-01 probe record is accepted and answered by every
 * authoritative server of the zone: each for the challenge types configured. A failed preflight places no order: the {@code Failed} event carries a {@link PreflightFailedException}
 * with the diagnosis, and the retry follows the back-off. {@link CertificateManager#preflight(String)} runs it at any
 * time.
 *
 * <p>On by default for public CAs (Let's Encrypt, ZeroSSL, Google Trust Services), whose view of DNS is the
 * public one; off for other directories (private and test CAs), which often see names this host resolves
 * otherwise. Where this host sees DNS differently from the CA (split-horizon DNS, a VPN), {@link Builder#skip} the
 * check that cannot see what the CA sees; a skipped check is logged as such. Immutable.
 */
public final class Preflight {

    private static final Preflight OFF = new Preflight(new Builder().mode(Mode.OFF));

    /** When a preflight runs before first orders. */
    public enum Mode {
        /** Before orders from public CAs only (Let's Encrypt, ZeroSSL, Google Trust Services): the default. */
        AUTO,
        /** Before every first order. */
        ON,
        /** Never before orders; {@link CertificateManager#preflight(String)} still runs one when asked. */
        OFF
    }

    private final Mode mode;
    private final int httpPort;
    private final int tlsPort;
    private final InetSocketAddress resolver;
    private final Duration timeout;
    private final Set<PreflightReport.Check> skipped;
    private final List<String> caaIdentities;

    private Preflight(Builder builder) {
        this.mode = builder.mode;
        this.httpPort = builder.httpPort;
        this.tlsPort = builder.tlsPort;
        this.resolver = builder.resolver;
        this.timeout = builder.timeout;
        this.skipped = Set.copyOf(builder.skipped);
        this.caaIdentities = List.copyOf(builder.caaIdentities);
    }

    /**
     * Every check, port 80, the system's resolver, before orders from public CAs ({@link Mode#AUTO}).
     *
     * @return the settings
     */
    public static Preflight defaults() {
        return builder().build();
    }

    /**
     * No preflight before orders ({@link CertificateManager#preflight(String)} still runs one when asked).
     *
     * @return the settings
     */
    public static Preflight off() {
        return OFF;
    }

    /**
     * A builder of non-default settings.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * When a preflight runs before first orders.
     *
     * @return the mode
     */
    public Mode mode() {
        return mode;
    }

    /**
     * Whether a preflight runs before first orders from {@code cas}: always when {@link Mode#ON}, never when
     * {@link Mode#OFF}, and with {@link Mode#AUTO} when every one is a public CA, whose view of DNS is the public one.
     *
     * @param cas the manager's CAs
     * @return whether it runs
     */
    public boolean appliesTo(List<CertificateAuthority> cas) {
        return mode == Mode.ON || mode == Mode.AUTO && cas.stream().allMatch(Preflight::isPublic);
    }

    private static boolean isPublic(CertificateAuthority ca) {
        var host = ca.directory().getHost();
        return host != null && (host.endsWith(".letsencrypt.org") || host.endsWith(".zerossl.com")
                || host.endsWith(".pki.goog"));
    }

    /**
     * The port the CA fetches HTTP-01 answers from: 80 for every public CA.
     *
     * @return the port
     */
    public int httpPort() {
        return httpPort;
    }

    /**
     * The port the CA makes TLS-ALPN-01 handshakes to: 443 for every public CA.
     *
     * @return the port
     */
    public int tlsPort() {
        return tlsPort;
    }

    /**
     * The DNS resolver asked, or empty for the system's. When set, authoritative servers are asked on its port too
     * (a test's BIND serves both).
     *
     * @return the resolver's address, or empty
     */
    public Optional<InetSocketAddress> resolver() {
        return Optional.ofNullable(resolver);
    }

    /**
     * How long one DNS query or one HTTP exchange may take.
     *
     * @return the timeout
     */
    public Duration timeout() {
        return timeout;
    }

    /**
     * The checks left out.
     *
     * @return the skipped checks
     */
    public Set<PreflightReport.Check> skipped() {
        return skipped;
    }

    /**
     * The CA's CAA identities when its directory names none (its {@code caaIdentities} win otherwise).
     *
     * @return the identities, possibly none
     */
    public List<String> caaIdentities() {
        return caaIdentities;
    }

    /** Builds {@link Preflight}; not thread-safe. */
    public static final class Builder {

        private Mode mode = Mode.AUTO;
        private int httpPort = 80;
        private int tlsPort = 443;
        private InetSocketAddress resolver;
        private Duration timeout = Duration.ofSeconds(10);
        private final Set<PreflightReport.Check> skipped = EnumSet.noneOf(PreflightReport.Check.class);
        private final List<String> caaIdentities = new ArrayList<>();

        private Builder() {
        }

        /**
         * When a preflight runs before first orders; default {@link Mode#AUTO}.
         *
         * @param mode the mode
         * @return this builder
         */
        public Builder mode(Mode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * The port the CA fetches HTTP-01 answers from; 80 unless the CA is a test CA (Pebble's is configurable).
         *
         * @param port the port
         * @return this builder
         */
        public Builder httpPort(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("The preflight's HTTP port must be 1 to 65535, got " + port);
            }
            this.httpPort = port;
            return this;
        }

        /**
         * The port the CA makes TLS-ALPN-01 handshakes to; 443 unless the CA is a test CA (Pebble's is configurable).
         *
         * @param port the port
         * @return this builder
         */
        public Builder tlsPort(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("The preflight's TLS port must be 1 to 65535, got " + port);
            }
            this.tlsPort = port;
            return this;
        }

        /**
         * Asks {@code resolver} instead of the system's resolver, such as the resolver the CA uses in a test.
         *
         * @param resolver the resolver's address
         * @return this builder
         */
        public Builder resolver(InetSocketAddress resolver) {
            this.resolver = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        /**
         * How long one DNS query or one HTTP exchange may take; default 10 seconds.
         *
         * @param timeout the timeout, positive
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("The preflight timeout must be positive, got " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * Leaves out {@code checks}, which this host cannot see as the CA does (split-horizon DNS, a VPN).
         *
         * @param checks the checks to leave out
         * @return this builder
         */
        public Builder skip(PreflightReport.Check... checks) {
            skipped.addAll(Set.of(checks));
            return this;
        }

        /**
         * The domain names that stand for the CA in CAA records, for a CA whose directory names none (such as
         * {@code letsencrypt.org}); the directory's {@code caaIdentities} win when it has them.
         *
         * @param identities such as {@code letsencrypt.org}
         * @return this builder
         */
        public Builder caaIdentities(String... identities) {
            for (var identity : identities) {
                caaIdentities.add(identity.trim().toLowerCase(Locale.ROOT));
            }
            return this;
        }

        /**
         * Builds the settings.
         *
         * @return the settings
         */
        public Preflight build() {
            return new Preflight(this);
        }
    }
}

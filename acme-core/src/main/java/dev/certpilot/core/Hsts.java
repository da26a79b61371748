package dev.certpilot.core;

import java.time.Duration;
import java.util.Objects;

/**
 * An HTTP Strict Transport Security policy (RFC 6797): tells browsers to use HTTPS only for this host, for
 * {@code maxAge}. Sent on HTTPS responses only, by the servlet filter and the Jetty handler.
 *
 * <pre>{@code
 * Hsts.maxAge(Duration.ofDays(365)).includingSubDomains().preloaded()
 * }</pre>
 *
 * <p>Start with a short max-age (minutes) and raise it once HTTPS works for every name: browsers remember the
 * policy and will refuse plain HTTP for that long. Immutable.
 *
 * @param maxAge            how long browsers remember the policy; whole seconds, zero clears it
 * @param includeSubDomains whether the policy covers every subdomain too
 * @param preload           whether to ask for inclusion in browsers' preload lists (hstspreload.org), which
 *                          requires {@code includeSubDomains} and a max-age of at least one year
 */
public record Hsts(Duration maxAge, boolean includeSubDomains, boolean preload) {

    /** The minimum max-age that preload lists accept. */
    public static final Duration PRELOAD_MINIMUM = Duration.ofDays(365);

    /**
     * Checks the policy.
     *
     * @param maxAge how long browsers remember the policy
     * @param includeSubDomains whether it covers every subdomain
     * @param preload whether preload-list inclusion is asked
     * @throws IllegalArgumentException if max-age is negative, or preload is asked without its requirements
     */
    public Hsts {
        Objects.requireNonNull(maxAge, "maxAge");
        if (maxAge.isNegative()) {
            throw new IllegalArgumentException("HSTS maxAge must not be negative, got " + maxAge);
        }
        if (preload && !includeSubDomains) {
            throw new IllegalArgumentException("HSTS preload requires includeSubDomains: call "
                    + "includingSubDomains() before preloaded()");
        }
        if (preload && maxAge.compareTo(PRELOAD_MINIMUM) < 0) {
            throw new IllegalArgumentException("HSTS preload requires a maxAge of at least 365 days, got "
                    + maxAge.toDays() + " days");
        }
    }

    /**
     * A policy for this host only, remembered for {@code maxAge}.
     *
     * @param maxAge how long browsers remember the policy
     * @return the policy
     */
    public static Hsts maxAge(Duration maxAge) {
        return new Hsts(maxAge, false, false);
    }

    /**
     * This policy, extended to every subdomain.
     *
     * @return a copy that covers subdomains
     */
    public Hsts includingSubDomains() {
        return new Hsts(maxAge, true, preload);
    }

    /**
     * This policy, asking for preload-list inclusion; call {@link #includingSubDomains()} first.
     *
     * @return a copy that asks for preloading
     */
    public Hsts preloaded() {
        return new Hsts(maxAge, includeSubDomains, true);
    }

    /**
     * The {@code Strict-Transport-Security} header value, e.g. {@code max-age=31536000; includeSubDomains}.
     *
     * @return the header value
     */
    public String headerValue() {
        var value = new StringBuilder("max-age=").append(maxAge.toSeconds());
        if (includeSubDomains) {
            value.append("; includeSubDomains");
        }
        if (preload) {
            value.append("; preload");
        }
        return value.toString();
    }
}

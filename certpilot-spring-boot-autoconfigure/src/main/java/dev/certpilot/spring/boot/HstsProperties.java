package dev.certpilot.spring.boot;

import java.time.Duration;

/**
 * The {@code certpilot.hsts.*} settings: the Strict-Transport-Security header. Not thread-safe: read once at start-up.
 */
public class HstsProperties {

    /**
     * How long browsers remember to use HTTPS only. Keep it short until HTTPS works for every name, then raise
     * it to a year (365d). Zero sends no header.
     */
    private Duration maxAge = Duration.ofMinutes(5);

    /** Whether the policy covers subdomains too. */
    private boolean includeSubDomains;

    /** Whether to ask for browsers' preload lists (needs a max-age of a year and include-sub-domains). */
    private boolean preload;

    /**
     * How long browsers remember to use HTTPS only.
     *
     * @return the current value
     */
    public Duration getMaxAge() {
        return maxAge;
    }

    /**
     * How long browsers remember to use HTTPS only.
     *
     * @param maxAge the new value
     */
    public void setMaxAge(Duration maxAge) {
        this.maxAge = maxAge;
    }

    /**
     * Whether the policy covers subdomains too.
     *
     * @return the current value
     */
    public boolean isIncludeSubDomains() {
        return includeSubDomains;
    }

    /**
     * Whether the policy covers subdomains too.
     *
     * @param includeSubDomains the new value
     */
    public void setIncludeSubDomains(boolean includeSubDomains) {
        this.includeSubDomains = includeSubDomains;
    }

    /**
     * Whether to ask for browsers' preload lists (needs a max-age of a year and include-sub-domains).
     *
     * @return the current value
     */
    public boolean isPreload() {
        return preload;
    }

    /**
     * Whether to ask for browsers' preload lists (needs a max-age of a year and include-sub-domains).
     *
     * @param preload the new value
     */
    public void setPreload(boolean preload) {
        this.preload = preload;
    }
}

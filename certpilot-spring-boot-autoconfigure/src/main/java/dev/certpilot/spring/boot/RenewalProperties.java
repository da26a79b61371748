package dev.certpilot.spring.boot;

import java.time.Duration;
import dev.certpilot.core.CertificateManagerBuilder;

/**
 * The {@code certpilot.renewal.*} settings: when to renew and how to retry. Not thread-safe: read once at start-up.
 */
public class RenewalProperties {

    /**
     * Renew when less than this fraction of the certificate's lifetime is left (0 to 1, exclusive). Default: a
     * third, or half for short-lived certificates of 10 days or less.
     */
    private Double window;

    /** How often each certificate is looked at (expiry, revocation, the CA's renewal info). */
    private Duration checkInterval = CertificateManagerBuilder.DEFAULT_CHECK_INTERVAL;

    /** Warn (event, log, health DOWN) when renewal keeps failing and the certificate expires within this. */
    private Duration expiryWarning = CertificateManagerBuilder.DEFAULT_EXPIRY_WARNING;

    /** The first pause after a failed attempt; it doubles up to retry-max. */
    private Duration retryInitial = CertificateManagerBuilder.DEFAULT_RETRY_INITIAL;

    /** The longest pause between failed attempts. */
    private Duration retryMax = CertificateManagerBuilder.DEFAULT_RETRY_MAX;

    /**
     * Renew when less than this fraction of the certificate's lifetime is left (0 to 1, exclusive).
     *
     * @return the current value
     */
    public Double getWindow() {
        return window;
    }

    /**
     * Renew when less than this fraction of the certificate's lifetime is left (0 to 1, exclusive).
     *
     * @param window the new value
     */
    public void setWindow(Double window) {
        this.window = window;
    }

    /**
     * How often each certificate is looked at (expiry, revocation, the CA's renewal info).
     *
     * @return the current value
     */
    public Duration getCheckInterval() {
        return checkInterval;
    }

    /**
     * How often each certificate is looked at (expiry, revocation, the CA's renewal info).
     *
     * @param checkInterval the new value
     */
    public void setCheckInterval(Duration checkInterval) {
        this.checkInterval = checkInterval;
    }

    /**
     * Warn (event, log, health DOWN) when renewal keeps failing and the certificate expires within this.
     *
     * @return the current value
     */
    public Duration getExpiryWarning() {
        return expiryWarning;
    }

    /**
     * Warn (event, log, health DOWN) when renewal keeps failing and the certificate expires within this.
     *
     * @param expiryWarning the new value
     */
    public void setExpiryWarning(Duration expiryWarning) {
        this.expiryWarning = expiryWarning;
    }

    /**
     * The first pause after a failed attempt; it doubles up to retry-max.
     *
     * @return the current value
     */
    public Duration getRetryInitial() {
        return retryInitial;
    }

    /**
     * The first pause after a failed attempt; it doubles up to retry-max.
     *
     * @param retryInitial the new value
     */
    public void setRetryInitial(Duration retryInitial) {
        this.retryInitial = retryInitial;
    }

    /**
     * The longest pause between failed attempts.
     *
     * @return the current value
     */
    public Duration getRetryMax() {
        return retryMax;
    }

    /**
     * The longest pause between failed attempts.
     *
     * @param retryMax the new value
     */
    public void setRetryMax(Duration retryMax) {
        this.retryMax = retryMax;
    }
}

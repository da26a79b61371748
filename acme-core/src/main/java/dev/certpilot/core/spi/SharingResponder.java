package dev.certpilot.core.spi;

/**
 * An optional ability of an HTTP-01 or TLS-ALPN-01 {@link ChallengeResponder}: serving also the answers that other
 * instances sharing the store published, so that the CA may reach any instance. The manager calls it when it is
 * built, and with null when it is closed. The in-memory responders implement it. Thread-safe.
 */
public interface SharingResponder {

    /**
     * From now on, also serve what {@code answers} finds; null stops it.
     *
     * @param answers the shared answers, or null
     */
    void serveShared(SharedAnswers answers);
}

package dev.certpilot.core;

/**
 * Receives {@link CertificateEvent}s. Called on the manager's renewal threads (or the thread that called
 * {@link CertificateManager#renewNow}), one event at a time per certificate; keep it quick and hand slow work
 * (mail, HTTP) to your own executor. An exception it throws is logged and otherwise ignored. Must be
 * thread-safe when it manages several certificates.
 */
@FunctionalInterface
public interface CertificateListener {

    /**
     * Called for each event.
     *
     * @param event what happened
     */
    void onEvent(CertificateEvent event);
}

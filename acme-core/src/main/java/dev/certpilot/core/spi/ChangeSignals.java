package dev.certpilot.core.spi;

import java.io.IOException;

/**
 * An optional ability of a {@link CertificateStore} shared by several instances: telling each at once that another
 * wrote, so that a renewal on one is served by the others without waiting for their next poll of the store, which
 * stays as the safety net. The JDBC store implements it on PostgreSQL with {@code LISTEN}/{@code NOTIFY}.
 * Implementations are thread-safe.
 */
public interface ChangeSignals {

    /**
     * Calls {@code onChange}, on a thread of the store's, soon after any instance sharing the store writes to it,
     * until the returned handle is closed. A signal may be lost (the connection drops): the caller keeps polling.
     *
     * @param onChange what to run; quick, and never throwing
     * @return the handle that stops the signals
     * @throws IOException if the store cannot start listening
     */
    AutoCloseable onChange(Runnable onChange) throws IOException;
}

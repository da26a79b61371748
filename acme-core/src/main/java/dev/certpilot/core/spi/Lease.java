package dev.certpilot.core.spi;

import java.io.IOException;
import java.time.Instant;

/**
 * The exclusive, expiring right to write one certificate, from {@link CertificateStore#tryLease}: the manager
 * holds it while it re-reads the entry, orders a certificate and saves it, and {@link #renew()}s it while the
 * order runs. A lease that is not renewed ends by itself at {@link #expiresAt()}, so a holder that dies, freezes
 * or is cut off from the storage blocks nobody for longer than that; the store then refuses its writes with
 * {@link LeaseLostException}. Not thread-safe: one holder uses it.
 */
public interface Lease extends AutoCloseable {

    /**
     * The certificate name the lease is for.
     *
     * @return the certificate's name
     */
    String name();

    /**
     * When the lease ends unless renewed, as last confirmed by the store (by the store's clock, where it has one).
     *
     * @return the end of the lease
     */
    Instant expiresAt();

    /**
     * Extends the lease by its duration from now.
     *
     * @throws LeaseLostException if the lease has ended or another holder has taken it
     * @throws IOException        if the storage cannot be reached; the lease may still be held until it expires
     */
    void renew() throws IOException;

    /** Gives the lease up, if still held; never throws. Idempotent. */
    @Override
    void close();
}

package dev.certpilot.core.spi;

/**
 * A held lock from {@link CertificateStore#lock}; {@link #close()} releases it. Not thread-safe: release it on
 * the thread that took it.
 */
public interface StoreLock extends AutoCloseable {

    /** Releases the lock. Idempotent. */
    @Override
    void close();
}

package dev.certpilot.core.spi;

import java.io.IOException;

/**
 * Thrown by a {@link CertificateStore} write, or by {@link Lease#renew()}, when the caller's lease has expired or
 * another instance holds the name now: the write did not happen, and the caller must not act as the holder.
 */
public final class LeaseLostException extends IOException {

    /** @param message which lease, and what the store knows of its end */
    public LeaseLostException(String message) {
        super(message);
    }
}

package dev.certpilot.core.spi;

import java.io.IOException;

/**
 * Thrown by {@link CertificateStore#load} for an entry that exists but cannot be parsed (truncated, edited, half
 * copied). The store has moved it aside, kept for inspection, so that the caller can obtain a new certificate.
 */
public final class CorruptedEntryException extends IOException {

    /** Where the unreadable entry was moved to. */
    private final String movedTo;

    /**
     * @param message what is wrong, naming the entry's location
     * @param movedTo where the entry now is
     * @param cause why it cannot be parsed
     */
    public CorruptedEntryException(String message, String movedTo, Throwable cause) {
        super(message + "; moved aside to " + movedTo, cause);
        this.movedTo = movedTo;
    }

    /**
     * Where the unreadable entry was moved to.
     *
     * @return the entry's new location
     */
    public String movedTo() {
        return movedTo;
    }
}

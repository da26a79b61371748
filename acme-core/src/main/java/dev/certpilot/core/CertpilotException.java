package dev.certpilot.core;

/**
 * Root of every exception certpilot throws. Unchecked; see the package documentation for why.
 * Immutable once thrown.
 */
public class CertpilotException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * An exception with a message saying what failed and how to fix it.
     *
     * @param message what failed and how to fix it
     */
    public CertpilotException(String message) {
        super(message);
    }

    /**
     * An exception with a message and its cause.
     *
     * @param message what failed and how to fix it
     * @param cause the failure underneath
     */
    public CertpilotException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * A new exception of the same type and data with this one as its cause. certpilot keeps a failure (for events
     * and {@code status()}) and throws it again to later callers on other threads; each of them gets a copy made
     * here, so that every throw has its own stack and the kept one is never changed.
     *
     * @return a copy to throw, caused by this one
     */
    public CertpilotException rethrown() {
        return new CertpilotException(getMessage(), this);
    }
}

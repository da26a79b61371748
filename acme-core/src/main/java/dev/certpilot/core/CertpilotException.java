package dev.certpilot.core;

/**
 * Root of every exception certpilot throws. Unchecked; see the package documentation for why.
 * Immutable once thrown.
 */
public class CertpilotException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** An exception with a message saying what failed and how to fix it. */
    public CertpilotException(String message) {
        super(message);
    }

    /** An exception with a message and its cause. */
    public CertpilotException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * A new exception of the same type and data with this one as its cause, to throw on another thread than the
     * one that made this one (which events and {@code status()} keep), so that each throw has its own stack.
     */
    CertpilotException rethrown() {
        return new CertpilotException(getMessage(), this);
    }
}

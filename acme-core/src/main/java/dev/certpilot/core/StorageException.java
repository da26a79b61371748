package dev.certpilot.core;

/**
 * The certificate store failed to read or write an entry, or found it unreadable. Carries where.
 * Immutable.
 */
public class StorageException extends CertpilotException {

    private static final long serialVersionUID = 1L;

    /** Where the failure happened. */
    private final String location;

    /**
     * @param location where the failure happened: a path for file stores, a key for others
     * @param message what failed and how to fix it
     * @param cause the failure underneath
     */
    public StorageException(String message, String location, Throwable cause) {
        super(message, cause);
        this.location = location;
    }

    @Override
    public StorageException rethrown() {
        return new StorageException(getMessage(), location, this);
    }

    /**
     * Where the failure happened: a path for file stores, a key for others.
     *
     * @return the location
     */
    public String location() {
        return location;
    }
}

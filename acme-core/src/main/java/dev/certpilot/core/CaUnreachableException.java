package dev.certpilot.core;

import java.net.URI;

/**
 * The CA could not be reached: the connection was refused or reset, its name did not resolve, or its TLS
 * certificate is not trusted. Nothing was decided by the CA; retrying later is right. Immutable.
 */
public class CaUnreachableException extends AcmeServerException {

    private static final long serialVersionUID = 1L;

    /**
     * @param directory the CA's directory URL
     * @param message what failed and how to fix it
     * @param cause the network failure
     */
    public CaUnreachableException(String message, URI directory, Throwable cause) {
        super(message, directory, null, cause);
    }

    @Override
    public CaUnreachableException rethrown() {
        return new CaUnreachableException(getMessage(), directory(), this);
    }
}

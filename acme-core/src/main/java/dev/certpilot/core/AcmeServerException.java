package dev.certpilot.core;

import java.net.URI;
import java.util.Optional;

/**
 * The CA could not be reached, or answered with an error. Carries the CA's directory URL and, when the CA
 * sent one, the ACME problem type (such as {@code urn:ietf:params:acme:error:unauthorized}).
 * Immutable.
 */
public class AcmeServerException extends CertpilotException {

    private static final long serialVersionUID = 1L;

    /** The CA's directory URL. */
    private final URI directory;
    /** The ACME problem type of the CA's answer, or null. */
    private final String problemType;

    /**
     * @param directory   the CA's directory URL
     * @param problemType the ACME problem type the CA answered, or {@code null} when it did not answer
     * @param message what failed and how to fix it
     * @param cause the failure underneath, or null
     */
    public AcmeServerException(String message, URI directory, String problemType, Throwable cause) {
        super(message, cause);
        this.directory = directory;
        this.problemType = problemType;
    }

    @Override
    public AcmeServerException rethrown() {
        return new AcmeServerException(getMessage(), directory, problemType, this);
    }

    /**
     * The directory URL of the CA concerned.
     *
     * @return the directory URL
     */
    public URI directory() {
        return directory;
    }

    /**
     * The ACME problem type of the CA's answer; empty when the CA was not reached or sent none.
     *
     * @return the problem type, such as {@code urn:ietf:params:acme:error:rateLimited}
     */
    public Optional<String> problemType() {
        return Optional.ofNullable(problemType);
    }
}

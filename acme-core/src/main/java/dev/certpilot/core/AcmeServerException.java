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

    private final URI directory;
    private final String problemType;

    /**
     * @param directory   the CA's directory URL
     * @param problemType the ACME problem type the CA answered, or {@code null} when it did not answer
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

    /** The directory URL of the CA concerned. */
    public URI directory() {
        return directory;
    }

    /** The ACME problem type of the CA's answer; empty when the CA was not reached or sent none. */
    public Optional<String> problemType() {
        return Optional.ofNullable(problemType);
    }
}

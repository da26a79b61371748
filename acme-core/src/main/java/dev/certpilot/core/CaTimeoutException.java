package dev.certpilot.core;

import java.net.URI;
import java.time.Duration;

/**
 * The CA did not answer in time: one request within the network timeout, or an order (validation and
 * issuance) within the issuance timeout. Carries the timeout that passed. Immutable.
 */
public class CaTimeoutException extends AcmeServerException {

    private static final long serialVersionUID = 1L;

    /** The timeout that passed. */
    private final Duration timeout;

    /**
     * @param directory the CA's directory URL
     * @param timeout   the timeout that passed
     * @param message what failed and how to fix it
     * @param cause the timeout underneath
     */
    public CaTimeoutException(String message, URI directory, Duration timeout, Throwable cause) {
        super(message, directory, null, cause);
        this.timeout = timeout;
    }

    /**
     * The timeout that passed: {@code networkTimeout} or {@code issuanceTimeout}.
     *
     * @return the timeout
     */
    public Duration timeout() {
        return timeout;
    }

    @Override
    public CaTimeoutException rethrown() {
        return new CaTimeoutException(getMessage(), directory(), timeout, this);
    }
}

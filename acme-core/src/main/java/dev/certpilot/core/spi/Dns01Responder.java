package dev.certpilot.core.spi;

import java.io.IOException;
import java.time.Duration;

/**
 * Answers DNS-01 challenges (RFC 8555 section 8.4) by publishing a TXT record through a DNS provider's API.
 * The only challenge type that can validate wildcard names, and the one that works with no inbound port at all.
 *
 * <p>Thread-safe, as stated in {@link ChallengeResponder}. Several values may be published under one record
 * name at once (a certificate for {@code example.com} and {@code *.example.com} needs two): {@code publish}
 * must add, not replace, and {@code remove} must remove only the given value.
 */
public non-sealed interface Dns01Responder extends ChallengeResponder {

    /** The type string {@value}. */
    String TYPE = "dns-01";

    /**
     * Publishes a TXT record.
     *
     * @param recordName the fully qualified record name with a trailing dot, e.g. {@code _acme-challenge.example.com.}
     * @param value      the record's text
     * @throws IOException if the DNS provider refuses or cannot be reached
     */
    void publish(String recordName, String value) throws IOException;

    /**
     * Removes the TXT record with this name and value; removing one that does not exist does nothing.
     *
     * @param recordName the fully qualified record name with a trailing dot
     * @param value the record's text
     * @throws IOException if the DNS provider refuses or cannot be reached
     */
    void remove(String recordName, String value) throws IOException;

    /**
     * How long after {@link #publish} returns the record is visible to the CA's resolvers; the manager waits
     * this long, once for all records of an order, before asking the CA to validate. Default zero.
     *
     * @return the delay, zero or more
     */
    default Duration propagationDelay() {
        return Duration.ZERO;
    }

    @Override
    default String challengeType() {
        return TYPE;
    }
}

package dev.certpilot.core.spi;

import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One entry of {@link CertificateStore#list()}: what scheduling needs to know of a stored certificate, read without
 * its key. Immutable.
 *
 * @param name     the certificate's name
 * @param domains  its domains, as saved
 * @param serial   its serial number
 * @param notAfter when it expires
 */
public record StoredCertificate(String name, List<String> domains, BigInteger serial, Instant notAfter) {

    /** @throws NullPointerException if any is null */
    public StoredCertificate {
        Objects.requireNonNull(name, "name");
        domains = List.copyOf(domains);
        Objects.requireNonNull(serial, "serial");
        Objects.requireNonNull(notAfter, "notAfter");
    }
}

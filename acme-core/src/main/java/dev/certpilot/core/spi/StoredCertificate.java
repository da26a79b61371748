package dev.certpilot.core.spi;

import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

import dev.certpilot.core.CertificateBundle;

/**
 * One entry of {@link CertificateStore#list()}: what scheduling needs to know of a stored certificate, read without
 * its key. Immutable.
 *
 * @param name     the certificate's name
 * @param domains  its domains, as saved
 * @param serial    its serial number
 * @param notBefore when it became valid (with {@code notAfter}, its lifetime, which decides when it is renewed)
 * @param notAfter  when it expires
 */
public record StoredCertificate(String name, List<String> domains, BigInteger serial, Instant notBefore,
                                Instant notAfter) {

    /**
     * @param name the certificate's name
     * @param domains its domains
     * @param serial its serial number
     * @param notBefore the start of its validity
     * @param notAfter the end of its validity
     * @throws NullPointerException if any is null
     */
    public StoredCertificate {
        Objects.requireNonNull(name, "name");
        domains = List.copyOf(domains);
        Objects.requireNonNull(serial, "serial");
        Objects.requireNonNull(notBefore, "notBefore");
        Objects.requireNonNull(notAfter, "notAfter");
    }

    /**
     * What the listing says of {@code bundle}.
     *
     * @param bundle a certificate
     * @return its summary
     */
    public static StoredCertificate of(CertificateBundle bundle) {
        return new StoredCertificate(bundle.name(), bundle.domains(), bundle.serialNumber(), bundle.notBefore(),
                bundle.notAfter());
    }

    /**
     * Whether it is valid at {@code instant}.
     *
     * @param instant the time to check
     * @return whether {@code instant} lies within its validity
     */
    public boolean isValidAt(Instant instant) {
        return !instant.isBefore(notBefore) && instant.isBefore(notAfter);
    }
}

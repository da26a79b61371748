package dev.certpilot.core;

import java.math.BigInteger;
import java.time.Instant;
import java.util.List;

/**
 * What a manager serves for one managed certificate and what it plans next, for status pages and health checks.
 * Immutable.
 *
 * @param name           the managed certificate's name
 * @param domains        its configured domains
 * @param serialNumber   the serial of the certificate served, or null if none yet
 * @param notAfter       when the served certificate expires, or null if none yet
 * @param bootstrap      whether the served certificate is the self-signed one used until the CA issues one
 * @param nextCheck      when the manager next checks it (renewal, retry or routine check), or null if stopped
 * @param failedAttempts how many attempts in a row have failed (0 when the last one succeeded)
 * @param lastError      the message of the last failure, or null after a success
 */
public record CertificateStatus(String name, List<String> domains, BigInteger serialNumber, Instant notAfter,
                                boolean bootstrap, Instant nextCheck, int failedAttempts, String lastError) {

    /**
     * Copies {@code domains}.
     *
     * @param name the managed certificate's name
     * @param domains its configured domains
     * @param serialNumber the serial of the certificate served, or null
     * @param notAfter when it expires, or null
     * @param bootstrap whether it is the self-signed bootstrap certificate
     * @param nextCheck the next check, or null if stopped
     * @param failedAttempts attempts that failed in a row
     * @param lastError the last failure's message, or null
     */
    public CertificateStatus {
        domains = List.copyOf(domains);
    }
}

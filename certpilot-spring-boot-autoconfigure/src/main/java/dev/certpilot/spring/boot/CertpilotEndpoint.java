package dev.certpilot.spring.boot;

import java.util.List;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.CertificateStatus;

/**
 * The actuator endpoint {@code certpilot}: each managed certificate with its serial, expiry, next check and last
 * error ({@code GET /actuator/certpilot}, or {@code /actuator/certpilot/{name}} for one). Expose it with
 * {@code management.endpoints.web.exposure.include=health,certpilot}. Thread-safe.
 */
@Endpoint(id = "certpilot")
public class CertpilotEndpoint {

    private final CertificateManager manager;

    /** The endpoint of {@code manager}. */
    public CertpilotEndpoint(CertificateManager manager) {
        this.manager = manager;
    }

    /** Every managed certificate. */
    @ReadOperation
    public Certificates certificates() {
        return new Certificates(manager.status().stream().map(Certificate::of).toList());
    }

    /** One certificate, or 404 when no certificate has that name. */
    @ReadOperation
    public Certificate certificate(@Selector String name) {
        return manager.status().stream().filter(s -> s.name().equals(name)).findFirst().map(Certificate::of)
                .orElse(null);
    }

    /** The endpoint's answer: the certificates. */
    public record Certificates(List<Certificate> certificates) {
    }

    /**
     * One certificate as served.
     *
     * @param name           its name
     * @param domains        its domains
     * @param serial         the served certificate's serial, in hex as browsers show it
     * @param notAfter       when it expires
     * @param bootstrap      whether it is the self-signed bootstrap certificate
     * @param nextCheck      when certpilot next looks at it
     * @param failedAttempts failed attempts in a row
     * @param lastError      the last failure, or null
     */
    public record Certificate(String name, List<String> domains, String serial, String notAfter, boolean bootstrap,
                              String nextCheck, int failedAttempts, String lastError) {

        static Certificate of(CertificateStatus s) {
            return new Certificate(s.name(), s.domains(), s.serialNumber() == null ? null
                    : s.serialNumber().toString(16), s.notAfter() == null ? null : s.notAfter().toString(),
                    s.bootstrap(), s.nextCheck() == null ? null : s.nextCheck().toString(), s.failedAttempts(),
                    s.lastError());
        }
    }
}

package dev.certpilot.spring.boot;

import java.util.List;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.CertificateStatus;
import dev.certpilot.core.PreflightReport;
import dev.certpilot.core.SerialNumbers;

/**
 * The actuator endpoint {@code certpilot}: each managed certificate with its serial, expiry, next check and last
 * error ({@code GET /actuator/certpilot}, or {@code /actuator/certpilot/{name}} for one), and a renewal now
 * ({@code POST /actuator/certpilot/{name}}, which answers once the new certificate is served). Expose it with
 * {@code management.endpoints.web.exposure.include=health,certpilot}, and secure it: a POST orders from the CA.
 * Thread-safe.
 */
@Endpoint(id = "certpilot")
public class CertpilotEndpoint {

    private final CertificateManager manager;

    /**
     * The endpoint of {@code manager}.
     *
     * @param manager the manager reported on
     */
    public CertpilotEndpoint(CertificateManager manager) {
        this.manager = manager;
    }

    /**
     * Every managed certificate.
     *
     * @return the certificates
     */
    @ReadOperation
    public Certificates certificates() {
        return new Certificates(manager.status().stream().map(Certificate::of).toList());
    }

    /**
     * One certificate, or 404 when no certificate has that name.
     *
     * @param name the certificate's name
     * @return the certificate, or null for 404
     */
    @ReadOperation
    public Certificate certificate(@Selector String name) {
        return manager.status().stream().filter(s -> s.name().equals(name)).findFirst().map(Certificate::of)
                .orElse(null);
    }

    /**
     * Checks now what the CA will check for certificate {@code name}, without ordering anything:
     * {@code GET /actuator/certpilot/{name}/preflight} answers each check (DNS, CAA, an HTTP-01 probe of each
     * address) with what was seen and the fix; 404 when no certificate has that name.
     *
     * @param name  the certificate's name
     * @param check {@code preflight}
     * @return the report, or 404
     */
    @ReadOperation
    public WebEndpointResponse<PreflightReport> preflight(@Selector String name, @Selector String check) {
        if (!"preflight".equals(check) || manager.status().stream().noneMatch(s -> s.name().equals(name))) {
            return new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND);
        }
        return new WebEndpointResponse<>(manager.preflight(name));
    }

    /**
     * Renews the certificate {@code name} now, whatever its expiry (within the CA's rate limits), and answers it as
     * served; 404 when no certificate has that name. A CA that refuses the order answers 500 with its reason, and
     * the certificate served before stays served.
     *
     * @param name the certificate's name
     * @return the renewed certificate, 404 or 500
     */
    @WriteOperation
    public WebEndpointResponse<Certificate> renew(@Selector String name) {
        if (manager.status().stream().noneMatch(s -> s.name().equals(name))) {
            return new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND);
        }
        manager.renewNow(name);
        return new WebEndpointResponse<>(certificate(name));
    }

    /** The endpoint's answer: the certificates. */
    public record Certificates(List<Certificate> certificates) {
    }

    /**
     * One certificate as served.
     *
     * @param name           its name
     * @param domains        its domains
     * @param serial         the served certificate's serial, as {@code openssl x509 -serial} prints it
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
                    : SerialNumbers.hex(s.serialNumber()), s.notAfter() == null ? null : s.notAfter().toString(),
                    s.bootstrap(), s.nextCheck() == null ? null : s.nextCheck().toString(), s.failedAttempts(),
                    s.lastError());
        }
    }
}

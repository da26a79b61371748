package dev.certpilot.examples.spring;

import java.util.List;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.SerialNumbers;

/** {@code GET /status}: each managed certificate, what is served and when certpilot next looks at it. */
@RestController
class StatusController {

    /** One certificate's status, serial in hex as browsers show it. */
    record Status(String name, List<String> domains, String serial, String notAfter, boolean bootstrap,
                  String nextCheck, int failedAttempts, String lastError) {
    }

    private final CertificateManager manager;

    StatusController(CertificateManager manager) {
        this.manager = manager;
    }

    @GetMapping("/status")
    List<Status> status() {
        return manager.status().stream().map(s -> new Status(s.name(), s.domains(),
                s.serialNumber() == null ? null : SerialNumbers.hex(s.serialNumber()),
                s.notAfter() == null ? null : s.notAfter().toString(), s.bootstrap(),
                s.nextCheck() == null ? null : s.nextCheck().toString(), s.failedAttempts(), s.lastError())).toList();
    }
}

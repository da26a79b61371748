package dev.certpilot.spring.boot;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.CertificateStatus;
import dev.certpilot.core.SerialNumbers;

/**
 * The health of a manager's certificates, for each Boot line's health indicator: DOWN when a certificate has
 * expired, when renewal has failed past the expiry warning, or when the self-signed bootstrap certificate is still
 * served after the grace period; OUT_OF_SERVICE while it is served within the grace period (a readiness group
 * holds traffic until the CA's certificate is served); else UP. Thread-safe.
 */
final class CertificateHealth {

    /** Details are given for this many certificates at most. */
    static final int MAX_DETAILS = 100;

    /** A status name ({@code UP}, {@code OUT_OF_SERVICE}, {@code DOWN}) and details per certificate. */
    record Report(String status, Map<String, Object> details) {
    }

    private final CertificateManager manager;
    private final Duration bootstrapGrace;
    private final Duration expiryWarning;
    private final Clock clock;
    private final Instant since;

    CertificateHealth(CertificateManager manager, CertpilotProperties properties, Clock clock) {
        this.manager = manager;
        this.bootstrapGrace = properties.getHealth().getBootstrapGrace();
        this.expiryWarning = properties.getRenewal().getExpiryWarning();
        this.clock = clock;
        this.since = clock.instant();
    }

    Report report() {
        return report(manager.status());
    }

    Report report(List<CertificateStatus> statuses) {
        var now = clock.instant();
        var worst = "UP";
        var details = new LinkedHashMap<String, Object>();
        for (var status : statuses) {
            var state = state(status, now);
            worst = worse(worst, state.status());
            if (details.size() < MAX_DETAILS) {
                details.put(status.name(), describe(status, state));
            }
        }
        if (statuses.size() > MAX_DETAILS) {
            details.put("more", (statuses.size() - MAX_DETAILS) + " certificates not listed; see the certpilot "
                    + "endpoint");
        }
        return new Report(worst, details);
    }

    private record State(String status, String reason) {
    }

    private State state(CertificateStatus status, Instant now) {
        if (status.bootstrap() || status.notAfter() == null) {
            var waited = Duration.between(since, now);
            var why = status.lastError() == null ? "" : "; last error: " + status.lastError();
            return waited.compareTo(bootstrapGrace) > 0
                    ? new State("DOWN", "still serving the self-signed bootstrap certificate after "
                            + bootstrapGrace + why)
                    : new State("OUT_OF_SERVICE", "waiting for the CA's first certificate" + why);
        }
        if (!status.notAfter().isAfter(now)) {
            return new State("DOWN", "the served certificate expired at " + status.notAfter());
        }
        if (status.failedAttempts() > 0 && Duration.between(now, status.notAfter()).compareTo(expiryWarning) < 0) {
            return new State("DOWN", "renewal has failed " + status.failedAttempts() + " times and the certificate "
                    + "expires at " + status.notAfter() + "; last error: " + status.lastError());
        }
        return new State("UP", null);
    }

    private static Map<String, Object> describe(CertificateStatus status, State state) {
        var map = new LinkedHashMap<String, Object>();
        map.put("status", state.status());
        if (state.reason() != null) {
            map.put("reason", state.reason());
        }
        map.put("domains", status.domains());
        if (status.serialNumber() != null) {
            map.put("serial", SerialNumbers.hex(status.serialNumber()));
        }
        if (status.notAfter() != null) {
            map.put("notAfter", status.notAfter().toString());
        }
        map.put("bootstrap", status.bootstrap());
        if (status.nextCheck() != null) {
            map.put("nextCheck", status.nextCheck().toString());
        }
        map.put("failedAttempts", status.failedAttempts());
        if (status.lastError() != null) {
            map.put("lastError", status.lastError());
        }
        return map;
    }

    private static String worse(String a, String b) {
        return rank(b) > rank(a) ? b : a;
    }

    private static int rank(String status) {
        return switch (status) {
            case "DOWN" -> 2;
            case "OUT_OF_SERVICE" -> 1;
            default -> 0;
        };
    }
}

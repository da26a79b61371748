package dev.certpilot.spring.boot;

import java.util.function.IntSupplier;

import org.springframework.core.env.Environment;

import dev.certpilot.core.Hsts;

/** The front door's settings, read the same way for every server. */
final class FrontDoorSettings {

    private FrontDoorSettings() {
    }

    /** The HSTS policy of {@code certpilot.hsts.*}, or null when its max-age is zero. */
    static Hsts hsts(CertpilotProperties properties) {
        var settings = properties.getHsts();
        if (settings.getMaxAge() == null || settings.getMaxAge().isZero()) {
            return null;
        }
        try {
            return new Hsts(settings.getMaxAge(), settings.isIncludeSubDomains(), settings.isPreload());
        } catch (IllegalArgumentException e) {
            throw new InvalidCertpilotPropertyException("certpilot.hsts", e.getMessage(), "Set certpilot.hsts.max-age "
                    + "to 365d and certpilot.hsts.include-sub-domains=true to preload, or leave preload off", e);
        }
    }

    /** The plain-HTTP port, {@code certpilot.http-port}. */
    static int httpPort(CertpilotProperties properties) {
        var port = properties.getHttpPort();
        if (port < 0 || port > 65535) {
            throw new InvalidCertpilotPropertyException("certpilot.http-port", "must be 0 (any free port) to 65535, "
                    + "got " + port, "Set the plain-HTTP port: 80, unless port 80 is forwarded to another");
        }
        return port;
    }

    /**
     * The port plain HTTP is redirected to: {@code certpilot.redirect-port}, else {@code server.port}, else, for
     * a server on any free port, the port it listens on once started.
     */
    static IntSupplier redirectPort(CertpilotProperties properties, Environment environment) {
        if (properties.getRedirectPort() != null) {
            int port = properties.getRedirectPort();
            if (port < 1 || port > 65535) {
                throw new InvalidCertpilotPropertyException("certpilot.redirect-port", "must be 1 to 65535, got "
                        + port, "Set the port clients reach HTTPS on, such as 443, or leave it out");
            }
            return () -> port;
        }
        int configured = environment.getProperty("server.port", Integer.class, 8080);
        if (configured > 0) {
            return () -> configured;
        }
        return () -> environment.getProperty("local.server.port", Integer.class, 0);
    }
}

package dev.certpilot.servlet;

import java.time.Duration;

import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;

import dev.certpilot.core.Hsts;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.InMemoryHttp01Responder;

/** Reads {@link AcmeChallengeFilter}'s {@code web.xml} init parameters into its builder. */
final class InitParameters {

    static final String REDIRECT_PORT = "redirect-to-https-port";
    static final String REDIRECT_STATUS = "redirect-status";
    static final String HSTS_MAX_AGE = "hsts-max-age-seconds";
    static final String HSTS_SUBDOMAINS = "hsts-include-subdomains";
    static final String HSTS_PRELOAD = "hsts-preload";
    static final String TRUST_FORWARDED = "trust-forwarded-headers";

    private InitParameters() {
    }

    static AcmeChallengeFilter.Builder configure(FilterConfig config) throws ServletException {
        var attribute = config.getServletContext().getAttribute(AcmeChallengeFilter.RESPONDER_ATTRIBUTE);
        if (!(attribute instanceof InMemoryHttp01Responder responder)) {
            throw new ServletException("Filter '" + config.getFilterName() + "' needs an InMemoryHttp01Responder "
                    + "in servlet context attribute '" + AcmeChallengeFilter.RESPONDER_ATTRIBUTE + "' (found "
                    + (attribute == null ? "none" : attribute.getClass().getName()) + "): set it from a "
                    + "ServletContextListener with the responder given to the CertificateManager");
        }
        var builder = AcmeChallengeFilter.builder(responder);
        var manager = config.getServletContext().getAttribute(AcmeChallengeFilter.MANAGER_ATTRIBUTE);
        if (manager instanceof CertificateManager served) {
            builder.servedHosts(served);
        } else if (manager != null) {
            throw new ServletException("Filter '" + config.getFilterName() + "': servlet context attribute '"
                    + AcmeChallengeFilter.MANAGER_ATTRIBUTE + "' holds a " + manager.getClass().getName()
                    + ", not the CertificateManager: set it to the manager, or leave it unset");
        }
        try {
            var port = config.getInitParameter(REDIRECT_PORT);
            if (port != null) {
                builder.redirectToHttps(integer(REDIRECT_PORT, port));
            }
            var status = config.getInitParameter(REDIRECT_STATUS);
            if (status != null) {
                builder.redirectStatus(integer(REDIRECT_STATUS, status));
            }
            var maxAge = config.getInitParameter(HSTS_MAX_AGE);
            var subdomains = bool(HSTS_SUBDOMAINS, config.getInitParameter(HSTS_SUBDOMAINS));
            var preload = bool(HSTS_PRELOAD, config.getInitParameter(HSTS_PRELOAD));
            if (maxAge != null) {
                builder.hsts(new Hsts(Duration.ofSeconds(integer(HSTS_MAX_AGE, maxAge)), subdomains, preload));
            } else if (subdomains || preload) {
                throw new IllegalArgumentException(HSTS_SUBDOMAINS + " and " + HSTS_PRELOAD + " need "
                        + HSTS_MAX_AGE + " too");
            }
            if (bool(TRUST_FORWARDED, config.getInitParameter(TRUST_FORWARDED))) {
                builder.trustForwardedHeaders();
            }
        } catch (IllegalArgumentException e) {
            throw new ServletException("Filter '" + config.getFilterName() + "': " + e.getMessage(), e);
        }
        return builder;
    }

    private static int integer(String name, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("init parameter " + name + " must be a whole number, got '"
                    + value + "'", e);
        }
    }

    private static boolean bool(String name, String value) {
        if (value == null) {
            return false;
        }
        return switch (value.trim()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("init parameter " + name + " must be true or false, got '"
                    + value + "'");
        };
    }
}

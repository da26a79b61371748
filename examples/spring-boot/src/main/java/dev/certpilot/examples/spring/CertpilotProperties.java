package dev.certpilot.examples.spring;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code certpilot.*} settings of the example, bound from {@code application.properties} or the environment
 * ({@code CERTPILOT_DOMAINS}, ...).
 *
 * @param domains       the names to serve; one certificate covers them all
 * @param acmeDirectory the CA's directory; Let's Encrypt staging unless set
 * @param acmeTrust     the CA certificate of the ACME server's own TLS, for test CAs such as Pebble
 * @param email         contact address for the CA account, optional
 * @param storage       where certificates are kept; put it on persistent storage
 * @param httpPort      the plain-HTTP port that answers HTTP-01 and redirects to HTTPS
 * @param hstsMaxAge    the HSTS max-age on HTTPS responses; 5 minutes until HTTPS works for every name, then a
 *                      year; zero sends none
 */
@ConfigurationProperties("certpilot")
public record CertpilotProperties(
        List<String> domains,
        @DefaultValue("https://acme-staging-v02.api.letsencrypt.org/directory") URI acmeDirectory,
        Path acmeTrust,
        String email,
        @DefaultValue("certpilot-data") Path storage,
        @DefaultValue("80") int httpPort,
        @DefaultValue("5m") Duration hstsMaxAge) {
}

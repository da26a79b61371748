package dev.certpilot.examples.spring;

import java.security.SecureRandom;
import java.util.Base64;

import org.apache.catalina.connector.Connector;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.ssl.SslBundleRegistrar;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundleKey;
import org.springframework.boot.ssl.SslOptions;
import org.springframework.boot.ssl.SslStoreBundle;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateBundle;
import dev.certpilot.core.CertificateEvent;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.Hsts;
import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.core.ManagedCertificate;
import dev.certpilot.core.TlsDefaults;
import dev.certpilot.servlet.AcmeChallengeFilter;

/**
 * Wires certpilot into Spring Boot: the manager as a bean, the challenge filter (with HSTS), an HTTP connector
 * for it, and the SSL bundle {@value #BUNDLE} that {@code server.ssl.bundle} names, with certpilot's strict TLS
 * settings, updated on every renewal.
 */
@Configuration(proxyBeanMethods = false)
class CertpilotConfiguration {

    /** The SSL bundle name to give {@code server.ssl.bundle}. */
    static final String BUNDLE = "certpilot";

    @Bean
    InMemoryHttp01Responder http01Responder() {
        return new InMemoryHttp01Responder();
    }

    /**
     * Prepared at once, so that a stored certificate, else a self-signed one, is ready before Tomcat starts;
     * started by {@link #startCertificateManager} once Tomcat listens, so that the CA can validate through it.
     */
    @Bean(destroyMethod = "close")
    CertificateManager certificateManager(CertpilotProperties properties, InMemoryHttp01Responder http01) {
        if (properties.domains() == null || properties.domains().isEmpty()) {
            throw new IllegalStateException("Set certpilot.domains (or CERTPILOT_DOMAINS) to the names to serve");
        }
        var ca = CertificateAuthority.of(properties.acmeDirectory().toString());
        if (properties.acmeTrust() != null) {
            ca = ca.withTrustedCertificates(properties.acmeTrust());
        }
        var builder = CertificateManager.builder()
                .certificateAuthority(ca)
                .agreeToTermsOfService()
                .certificate(ManagedCertificate.of(properties.domains().toArray(String[]::new)))
                .challenges(http01)
                .storageDirectory(properties.storage());
        if (properties.email() != null) {
            builder.email(properties.email());
        }
        var manager = builder.build();
        manager.prepare();
        return manager;
    }

    /** Obtains and renews certificates from the moment the web server listens. */
    @Bean
    ApplicationListener<WebServerInitializedEvent> startCertificateManager(CertificateManager manager) {
        return event -> manager.start();
    }

    /** Registers the served certificate as an SSL bundle and swaps it into the running server on each renewal. */
    @Bean
    SslBundleRegistrar certpilotSslBundle(CertificateManager manager) {
        var name = manager.managedCertificates().get(0).name();
        return registry -> {
            registry.registerBundle(BUNDLE, sslBundle(manager.certificate(name).orElseThrow()));
            manager.addListener(event -> {
                if (event instanceof CertificateEvent.Obtained || event instanceof CertificateEvent.Renewed) {
                    registry.updateBundle(BUNDLE, sslBundle(manager.certificate(name).orElseThrow()));
                }
            });
        };
    }

    /** Answers HTTP-01 before anything else, and redirects plain HTTP to the HTTPS port. */
    @Bean
    FilterRegistrationBean<AcmeChallengeFilter> acmeChallengeFilter(InMemoryHttp01Responder http01,
            CertificateManager manager, CertpilotProperties properties, @Value("${server.port:443}") int httpsPort) {
        var filter = AcmeChallengeFilter.builder(http01).servedHosts(manager);
        if (!properties.hstsMaxAge().isZero()) {
            filter.hsts(Hsts.maxAge(properties.hstsMaxAge()));
        }
        if (httpsPort > 0) {
            filter.redirectToHttps(httpsPort);
        }
        var registration = new FilterRegistrationBean<>(filter.build());
        registration.addUrlPatterns("/*");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }

    /**
     * The plain-HTTP connector beside Boot's HTTPS one, for HTTP-01 and redirects; and on the HTTPS connector the
     * server's cipher order (the bundle's {@link TlsDefaults} suites in their order, not the client's).
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> httpConnector(CertpilotProperties properties) {
        return factory -> {
            var connector = new Connector();
            connector.setPort(properties.httpPort());
            factory.addAdditionalConnectors(connector);
            factory.addConnectorCustomizers(https -> {
                for (var host : https.findSslHostConfigs()) {
                    host.setHonorCipherOrder(true);
                }
            });
        };
    }

    private static SslBundle sslBundle(CertificateBundle certificate) {
        var password = new byte[18];
        new SecureRandom().nextBytes(password);
        var secret = Base64.getEncoder().encodeToString(password);
        var keyStore = certificate.toKeyStore(secret.toCharArray());
        return SslBundle.of(SslStoreBundle.of(keyStore, secret, null), SslBundleKey.of(secret, certificate.name()),
                SslOptions.of(TlsDefaults.CIPHER_SUITES.toArray(String[]::new),
                        TlsDefaults.PROTOCOLS.toArray(String[]::new)));
    }
}

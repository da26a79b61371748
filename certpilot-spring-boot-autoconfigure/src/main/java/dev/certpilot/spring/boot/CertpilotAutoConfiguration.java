package dev.certpilot.spring.boot;

import javax.sql.DataSource;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.ssl.SslBundleRegistrar;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.web.server.ConfigurableWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.http.server.reactive.HttpHandler;

import dev.certpilot.core.CertificateEvent;
import dev.certpilot.core.CertificateListener;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.HttpFrontDoor;
import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.core.InMemoryTlsAlpn01Responder;
import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.ChallengeResponder;
import dev.certpilot.servlet.AcmeChallengeFilter;

/**
 * Automatic HTTPS for a Spring Boot application: a {@link CertificateManager} made from the {@code certpilot.*}
 * properties ({@link CertpilotProperties}), started once the web server listens and closed on shutdown; its
 * certificate served by the embedded server through the SSL bundle {@code certpilot} (Tomcat, Reactor Netty) or
 * through certpilot's own connector (Jetty, see {@code CertpilotWebServerAutoConfiguration}); HTTP-01 answers,
 * redirects and HSTS in front of the application. Each bean backs off when the application defines its own.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
        "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration"},
        beforeName = "org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration")
@ConditionalOnProperty(prefix = "certpilot", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(CertpilotProperties.class)
public class CertpilotAutoConfiguration {

    /** Answers HTTP-01 challenges from the filter (servlet), the web filter (WebFlux) or Jetty's handler. */
    @Bean
    @ConditionalOnMissingBean
    InMemoryHttp01Responder certpilotHttp01Responder() {
        return new InMemoryHttp01Responder();
    }

    /** Holds TLS-ALPN-01 validation certificates, which Jetty's connector serves. */
    @Bean
    @ConditionalOnMissingBean
    InMemoryTlsAlpn01Responder certpilotTlsAlpn01Responder() {
        return new InMemoryTlsAlpn01Responder();
    }

    /**
     * The manager, prepared at once so that a stored certificate, else a self-signed one, is ready for the server;
     * started by {@link #certpilotLifecycle} once the server listens, so that the CA can validate through it.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    CertificateManager certificateManager(CertpilotProperties properties, ListableBeanFactory beans,
                                          InMemoryHttp01Responder http01, InMemoryTlsAlpn01Responder tlsAlpn01,
                                          ObjectProvider<ChallengeResponder> responders,
                                          ObjectProvider<CertificateStore> store,
                                          ObjectProvider<DataSource> dataSource,
                                          ObjectProvider<CertificateListener> listeners,
                                          ObjectProvider<CertificateManagerBuilderCustomizer> customizers) {
        var factory = new ManagerFactory(properties, WebServerKind.of(beans));
        var own = responders.orderedStream().filter(r -> r != http01 && r != tlsAlpn01).toList();
        var manager = factory.build(http01, tlsAlpn01, own, store.getIfAvailable(), dataSource::getIfAvailable,
                listeners.orderedStream().toList(), customizers.orderedStream().toList());
        manager.prepare();
        return manager;
    }

    /** Starts the manager after the web server (a later phase), so that the CA can validate through it. */
    @Bean
    @ConditionalOnMissingBean(name = "certpilotLifecycle")
    SmartLifecycle certpilotLifecycle(CertificateManager manager) {
        return new SmartLifecycle() {
            private volatile boolean running;

            @Override
            public void start() {
                manager.start();
                running = true;
            }

            @Override
            public void stop() {
                running = false;
            }

            @Override
            public boolean isRunning() {
                return running;
            }
        };
    }

    /**
     * Registers the served certificate as the SSL bundle {@code certpilot.ssl-bundle}. Reactor Netty reads its key
     * manager and Tomcat is given the manager's (both always current), Jetty has certpilot's own connector; for
     * other servers, which read its key store, the bundle is replaced on every renewal of the default certificate.
     */
    @Bean
    @ConditionalOnMissingBean(name = "certpilotSslBundleRegistrar")
    SslBundleRegistrar certpilotSslBundleRegistrar(CertificateManager manager, CertpilotProperties properties,
                                                   ListableBeanFactory beans) {
        var bundleName = properties.getSslBundle();
        var certificate = properties.getDefaultCertificate() != null ? properties.getDefaultCertificate()
                : manager.managedCertificates().get(0).name();
        var server = WebServerKind.of(beans);
        return registry -> {
            registry.registerBundle(bundleName, ManagerSslBundle.of(manager, certificate));
            if (server == WebServerKind.OTHER) {
                manager.addListener(event -> {
                    if (event.name().equals(certificate) && (event instanceof CertificateEvent.Obtained
                            || event instanceof CertificateEvent.Renewed)) {
                        registry.updateBundle(bundleName, ManagerSslBundle.of(manager, certificate));
                    }
                });
            }
        };
    }

    /**
     * Serves HTTPS on {@code server.port} with the certpilot bundle, unless the application configured
     * {@code server.ssl} itself. Jetty is set up by its own customizer instead.
     */
    @Bean
    @ConditionalOnMissingBean(name = "certpilotSslCustomizer")
    WebServerFactoryCustomizer<ConfigurableWebServerFactory> certpilotSslCustomizer(CertpilotProperties properties,
            ObjectProvider<SslBundles> bundles, Environment environment) {
        return new SslCustomizer(properties.getSslBundle(), bundles, environment);
    }

    /** HTTP-01, redirects and HSTS in front of a servlet application (Tomcat; Jetty has its own handler). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass({jakarta.servlet.Filter.class, FilterRegistrationBean.class})
    static class ServletFrontDoor {

        @Bean
        @ConditionalOnMissingBean(name = "certpilotChallengeFilter")
        FilterRegistrationBean<AcmeChallengeFilter> certpilotChallengeFilter(InMemoryHttp01Responder http01,
                CertificateManager manager, CertpilotProperties properties, Environment environment,
                ListableBeanFactory beans) {
            var filter = AcmeChallengeFilter.builder(http01).servedHosts(manager)
                    .redirectToHttps(FrontDoorSettings.redirectPort(properties, environment));
            var hsts = FrontDoorSettings.hsts(properties);
            if (hsts != null) {
                filter.hsts(hsts);
            }
            var registration = new FilterRegistrationBean<>(filter.build());
            registration.addUrlPatterns("/*");
            registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
            registration.setName("certpilotChallengeFilter");
            // on Jetty, certpilot's connector puts the same front door in front of the whole server
            registration.setEnabled(WebServerKind.of(beans) != WebServerKind.JETTY);
            return registration;
        }
    }

    /**
     * HTTP-01, redirects and HSTS in front of a WebFlux application, and the plain-HTTP port: a second Reactor
     * Netty server running the same application, so that the front door decides there exactly as on HTTPS.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
    @ConditionalOnClass(name = "org.springframework.web.server.WebFilter")
    static class ReactiveFrontDoor {

        @Bean
        @ConditionalOnMissingBean(FrontDoorWebFilter.class)
        FrontDoorWebFilter certpilotFrontDoorWebFilter(InMemoryHttp01Responder http01, CertificateManager manager,
                                                       CertpilotProperties properties, Environment environment) {
            var door = HttpFrontDoor.builder(http01).servedHosts(manager)
                    .redirectToHttps(FrontDoorSettings.redirectPort(properties, environment));
            var hsts = FrontDoorSettings.hsts(properties);
            if (hsts != null) {
                door.hsts(hsts);
            }
            return new FrontDoorWebFilter(door.build());
        }

        @Bean
        @ConditionalOnClass(name = "reactor.netty.http.server.HttpServer")
        @ConditionalOnMissingBean(name = "certpilotPlainHttpServer")
        PlainHttpServer certpilotPlainHttpServer(ObjectProvider<HttpHandler> handler, CertpilotProperties properties,
                                                 Environment environment) {
            return new PlainHttpServer(handler, environment.getProperty("server.address"),
                    FrontDoorSettings.httpPort(properties));
        }
    }
}

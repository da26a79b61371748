package dev.certpilot.spring.boot;

import java.time.Clock;

import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.web.embedded.jetty.ConfigurableJettyWebServerFactory;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.InMemoryHttp01Responder;

/**
 * What differs on Spring Boot 3.5, whose server and health classes Boot 4 moved: the plain-HTTP connector on
 * Tomcat, certpilot's connectors on Jetty, and the health indicator. Compiled against Boot 3.5; on Boot 4 none of
 * its conditions match.
 */
@AutoConfiguration(after = CertpilotAutoConfiguration.class)
@ConditionalOnBean(CertificateManager.class)
public class CertpilotBoot3AutoConfiguration {

    /** Tomcat: the plain-HTTP connector beside Boot's HTTPS one, which serves from the manager. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory",
            "org.apache.catalina.startup.Tomcat"})
    static class Tomcat {

        @Bean
        @ConditionalOnMissingBean(name = "certpilotTomcatHttpConnector")
        WebServerFactoryCustomizer<TomcatServletWebServerFactory> certpilotTomcatHttpConnector(
                CertificateManager manager, CertpilotProperties properties, Environment environment) {
            return factory -> {
                factory.addAdditionalTomcatConnectors(TomcatConnectors.plainHttp(properties, environment));
                factory.addConnectorCustomizers(connector -> TomcatConnectors.https(connector, manager,
                        factory.getSsl(), properties.getSslBundle()));
            };
        }
    }

    /** Jetty: certpilot's HTTPS and plain-HTTP connectors instead of Boot's, which ignores bundle updates. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"org.springframework.boot.web.embedded.jetty.ConfigurableJettyWebServerFactory",
            "org.eclipse.jetty.server.Server"})
    static class Jetty {

        @Bean
        @ConditionalOnMissingBean(name = "certpilotJettyConnectors")
        WebServerFactoryCustomizer<ConfigurableJettyWebServerFactory> certpilotJettyConnectors(
                CertificateManager manager, InMemoryHttp01Responder http01, CertpilotProperties properties) {
            return new JettyCustomizer(new JettyInstaller(manager, http01, properties));
        }
    }

    /** Runs after {@link SslCustomizer}, and turns Boot's own SSL off: the connector it installs serves HTTPS. */
    static final class JettyCustomizer implements WebServerFactoryCustomizer<ConfigurableJettyWebServerFactory>,
            Ordered {

        private final JettyInstaller installer;

        JettyCustomizer(JettyInstaller installer) {
            this.installer = installer;
        }

        @Override
        public void customize(ConfigurableJettyWebServerFactory factory) {
            if (!ClassUtils.isPresent("dev.certpilot.jetty.JettyHttps", getClass().getClassLoader())) {
                throw JettyInstaller.missing();
            }
            factory.setSsl(null);
            factory.addServerCustomizers(installer::install);
        }

        @Override
        public int getOrder() {
            return 2;
        }
    }

    /** The health indicator on Boot 3.5. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
    @ConditionalOnMissingClass("org.springframework.boot.health.contributor.HealthIndicator")
    @ConditionalOnProperty(prefix = "management.health.certpilot", name = "enabled", matchIfMissing = true)
    static class Boot3Health {

        @Bean
        @ConditionalOnMissingBean(name = "certpilotHealthIndicator")
        HealthIndicator certpilotHealthIndicator(CertificateManager manager, CertpilotProperties properties) {
            var health = new CertificateHealth(manager, properties, Clock.systemUTC());
            return () -> {
                var report = health.report();
                return Health.status(new Status(report.status())).withDetails(report.details()).build();
            };
        }
    }
}

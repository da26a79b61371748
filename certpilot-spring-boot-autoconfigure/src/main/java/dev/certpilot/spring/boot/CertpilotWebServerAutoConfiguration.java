package dev.certpilot.spring.boot;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.jetty.ConfigurableJettyWebServerFactory;
import org.springframework.boot.tomcat.TomcatWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.InMemoryHttp01Responder;

/**
 * The plain-HTTP port on Tomcat, and certpilot's own HTTPS connector on Jetty, for Spring Boot 4. (Boot 3.5's
 * server classes live elsewhere: {@code CertpilotBoot3AutoConfiguration}, in certpilot-spring-boot3-autoconfigure,
 * does the same there.)
 */
@AutoConfiguration(after = CertpilotAutoConfiguration.class)
@ConditionalOnBean(CertificateManager.class)
public class CertpilotWebServerAutoConfiguration {

    /** Tomcat: the plain-HTTP connector beside Boot's HTTPS one, which serves from the manager. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"org.springframework.boot.tomcat.TomcatWebServerFactory",
            "org.apache.catalina.startup.Tomcat"})
    static class Tomcat {

        @Bean
        @ConditionalOnMissingBean(name = "certpilotTomcatHttpConnector")
        WebServerFactoryCustomizer<TomcatWebServerFactory> certpilotTomcatHttpConnector(
                CertificateManager manager, CertpilotProperties properties, Environment environment) {
            return factory -> {
                factory.addAdditionalConnectors(TomcatConnectors.plainHttp(properties, environment));
                factory.addConnectorCustomizers(connector -> TomcatConnectors.https(connector, manager,
                        factory.getSsl(), properties.getSslBundle()));
            };
        }
    }

    /** Jetty: certpilot's HTTPS and plain-HTTP connectors instead of Boot's, which ignores bundle updates. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"org.springframework.boot.jetty.ConfigurableJettyWebServerFactory",
            "org.eclipse.jetty.server.Server"})
    static class Jetty {

        @Bean
        @ConditionalOnMissingBean(name = "certpilotJettyConnectors")
        WebServerFactoryCustomizer<ConfigurableJettyWebServerFactory> certpilotJettyConnectors(
                CertificateManager manager, InMemoryHttp01Responder http01, CertpilotProperties properties) {
            return new JettyCustomizer(manager, http01, properties);
        }
    }

    /** Runs after {@link SslCustomizer}, and turns Boot's own SSL off: the connector it installs serves HTTPS. */
    static final class JettyCustomizer implements WebServerFactoryCustomizer<ConfigurableJettyWebServerFactory>,
            Ordered {

        private final JettyInstaller installer;

        JettyCustomizer(CertificateManager manager, InMemoryHttp01Responder http01, CertpilotProperties properties) {
            this.installer = new JettyInstaller(manager, http01, properties);
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
}

package dev.certpilot.spring.boot;

import java.time.Clock;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.certpilot.core.CertificateManager;
import dev.certpilot.micrometer.CertificateMetrics;

/**
 * What actuator shows of certpilot: the {@code certpilot} endpoint, the {@code certpilot} health indicator (Boot 4
 * here; {@code CertpilotBoot3AutoConfiguration}, in certpilot-spring-boot3-autoconfigure, for 3.5) and Micrometer
 * metrics ({@link CertificateMetrics}).
 */
@AutoConfiguration(after = CertpilotAutoConfiguration.class)
@ConditionalOnBean(CertificateManager.class)
@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
public class CertpilotActuatorAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint
    CertpilotEndpoint certpilotEndpoint(CertificateManager manager) {
        return new CertpilotEndpoint(manager);
    }

    /** The metrics, bound by Boot to every registry. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"io.micrometer.core.instrument.MeterRegistry",
            "dev.certpilot.micrometer.CertificateMetrics"})
    static class Metrics {

        @Bean
        @ConditionalOnMissingBean
        CertificateMetrics certpilotMetrics(CertificateManager manager) {
            return new CertificateMetrics(manager);
        }
    }

    /** The health indicator on Boot 4. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
    @ConditionalOnProperty(prefix = "management.health.certpilot", name = "enabled", matchIfMissing = true)
    static class Boot4Health {

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

package dev.certpilot.examples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * A Spring Boot 4 application with automatic HTTPS: certpilot obtains the certificate for the domains in
 * {@code application.properties}, its filter answers HTTP-01 on an extra HTTP connector and redirects the rest
 * to HTTPS, and the embedded Tomcat's certificate is swapped in place on every renewal through Spring Boot's SSL
 * bundle registry. {@code GET /status} lists the managed certificates and their next check.
 */
@SpringBootApplication
@EnableConfigurationProperties(CertpilotProperties.class)
public class SpringBootExample {

    public static void main(String[] args) {
        SpringApplication.run(SpringBootExample.class, args);
    }
}

package dev.certpilot.examples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring Boot application with automatic HTTPS and nothing to copy: the dependency
 * {@code dev.certpilot:certpilot-spring-boot-starter} and the {@code certpilot.*} lines of
 * {@code application.properties}. The starter obtains the certificate, serves it from the embedded Tomcat (swapped
 * in place on every renewal), answers HTTP-01 and redirects to HTTPS on {@code certpilot.http-port}, and reports to
 * actuator. {@code GET /status} lists the managed certificates from the manager bean.
 */
@SpringBootApplication
public class SpringBootExample {

    public static void main(String[] args) {
        SpringApplication.run(SpringBootExample.class, args);
    }
}

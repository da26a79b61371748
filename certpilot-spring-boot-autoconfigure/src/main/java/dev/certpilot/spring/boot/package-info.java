/**
 * Spring Boot auto-configuration for certpilot: {@link dev.certpilot.spring.boot.CertpilotProperties} lists the
 * settings; {@link dev.certpilot.spring.boot.CertpilotAutoConfiguration} makes the manager and serves its
 * certificate. Works on Spring Boot 3.5 and 4.x, on Tomcat, Jetty (with {@code certpilot-jetty}) and Reactor Netty.
 */
package dev.certpilot.spring.boot;

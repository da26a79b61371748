package dev.certpilot.spring.boot;

import dev.certpilot.core.CertificateManagerBuilder;

/**
 * A bean that adjusts the {@link dev.certpilot.core.CertificateManager} the starter builds, after the
 * {@code certpilot.*} properties are applied: fallback CAs, on-demand TLS, a clock, anything the builder offers.
 * Customizers run in their {@code @Order}. Define a {@code CertificateManager} bean instead to build it all yourself.
 */
@FunctionalInterface
public interface CertificateManagerBuilderCustomizer {

    /**
     * Adjusts {@code builder}; called once, on the thread that makes the manager.
     *
     * @param builder the builder, configured from the properties
     */
    void customize(CertificateManagerBuilder builder);
}

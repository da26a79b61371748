package dev.certpilot.spring.boot;

import java.time.Duration;

/**
 * The {@code certpilot.health.*} settings: the actuator health indicator. Not thread-safe: read once at start-up.
 */
public class HealthProperties {

    /**
     * How long the self-signed bootstrap certificate may be served before health is DOWN; before that it is
     * OUT_OF_SERVICE, so that a readiness group holds traffic back until the CA's certificate is served.
     */
    private Duration bootstrapGrace = Duration.ofMinutes(5);

    /**
     * How long the self-signed bootstrap certificate may be served before health is DOWN; before that it is
     * OUT_OF_SERVICE, so that a readiness group holds traffic back until the CA's certificate is served.
     *
     * @return the current value
     */
    public Duration getBootstrapGrace() {
        return bootstrapGrace;
    }

    /**
     * How long the self-signed bootstrap certificate may be served before health is DOWN; before that it is
     * OUT_OF_SERVICE, so that a readiness group holds traffic back until the CA's certificate is served.
     *
     * @param bootstrapGrace the new value
     */
    public void setBootstrapGrace(Duration bootstrapGrace) {
        this.bootstrapGrace = bootstrapGrace;
    }
}

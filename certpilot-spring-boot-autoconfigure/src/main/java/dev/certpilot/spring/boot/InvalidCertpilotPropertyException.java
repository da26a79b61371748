package dev.certpilot.spring.boot;

import java.util.Objects;

/**
 * A {@code certpilot.*} property whose value cannot work, found when the manager is made. Spring Boot's failure
 * analysis reports it as the property, what is wrong and what to set, instead of a stack trace. Immutable.
 */
public class InvalidCertpilotPropertyException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The property at fault. */
    private final String property;
    /** What to set instead. */
    private final String action;

    /**
     * @param property the property, such as {@code certpilot.ca}
     * @param problem  what is wrong with its value
     * @param action   what to set instead
     */
    public InvalidCertpilotPropertyException(String property, String problem, String action) {
        this(property, problem, action, null);
    }

    /**
     * As above, with the exception that revealed the problem.
     *
     * @param property the property at fault, such as {@code certpilot.ca}
     * @param problem what is wrong with its value
     * @param action what to set instead
     * @param cause the exception that revealed the problem
     */
    public InvalidCertpilotPropertyException(String property, String problem, String action, Throwable cause) {
        super(Objects.requireNonNull(property, "property") + ": " + Objects.requireNonNull(problem, "problem"),
                cause);
        this.property = property;
        this.action = Objects.requireNonNull(action, "action");
    }

    /**
     * The property at fault.
     *
     * @return the property's name
     */
    public String property() {
        return property;
    }

    /**
     * What to set instead.
     *
     * @return the action
     */
    public String action() {
        return action;
    }
}

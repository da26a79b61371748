package dev.certpilot.core;

/**
 * A preflight found what the CA would refuse, so no order was placed (and nothing counted against the account's
 * limits): its {@link #report()} says what and how to fix it. Immutable.
 */
public class PreflightFailedException extends CertpilotException {

    private static final long serialVersionUID = 1L;

    /** What the preflight found. */
    private final transient PreflightReport report;

    /**
     * An exception for a report with failures.
     *
     * @param report what the preflight found
     */
    public PreflightFailedException(PreflightReport report) {
        super("Preflight of certificate " + report.certificate() + " found what the CA would refuse, so no order was "
                + "placed: " + String.join("; ", report.failures().stream().map(failure -> failure.check() + " "
                + failure.domain() + ": " + failure.evidence() + ". Fix: " + failure.fix()).toList()));
        this.report = report;
    }

    /**
     * What the preflight found.
     *
     * @return the report
     */
    public PreflightReport report() {
        return report;
    }

    @Override
    public PreflightFailedException rethrown() {
        var copy = new PreflightFailedException(report);
        copy.initCause(this);
        return copy;
    }
}

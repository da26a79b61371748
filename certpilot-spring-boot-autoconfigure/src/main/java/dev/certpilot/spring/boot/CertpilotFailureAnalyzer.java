package dev.certpilot.spring.boot;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Reports a wrong {@code certpilot.*} property as the property, the problem and the fix. */
class CertpilotFailureAnalyzer extends AbstractFailureAnalyzer<InvalidCertpilotPropertyException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidCertpilotPropertyException cause) {
        return new FailureAnalysis("certpilot cannot start: " + cause.getMessage(), cause.action(), cause);
    }
}

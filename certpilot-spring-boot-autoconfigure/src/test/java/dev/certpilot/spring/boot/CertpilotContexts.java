package dev.certpilot.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * What the auto-configuration tests start from: a context with certpilot's auto-configuration, one name, and a CA
 * that is never reached (the manager is only prepared until a web server starts it); and the check of a wrong
 * value reported by its property.
 */
final class CertpilotContexts {

    private CertpilotContexts() {
    }

    static ApplicationContextRunner runner(Path storage) {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(CertpilotAutoConfiguration.class,
                        SslAutoConfiguration.class))
                .withPropertyValues("certpilot.domains=app.example.test", "certpilot.accept-terms=true",
                        "certpilot.ca=https://127.0.0.1:1/dir", "certpilot.storage.directory=" + storage);
    }

    /** Starts {@code runner} with {@code settings}: the fault of {@code property}, whose fix says {@code action}. */
    static void expectFault(ApplicationContextRunner runner, String property, String action, String... settings) {
        runner.withPropertyValues(settings).run(context -> {
            var setting = String.join(", ", settings);
            assertThat(context).as(setting).hasFailed();
            var fault = find(context.getStartupFailure());
            assertThat(fault).as(setting).isNotNull();
            assertThat(fault.property()).as(setting).isEqualTo(property);
            var analysis = new CertpilotFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).as(setting).startsWith("certpilot cannot start: " + property);
            assertThat(analysis.getAction()).as(setting).contains(action);
        });
    }

    private static InvalidCertpilotPropertyException find(Throwable failure) {
        for (var cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof InvalidCertpilotPropertyException invalid) {
                return invalid;
            }
        }
        return null;
    }
}

package dev.certpilot.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.Preflight;
import dev.certpilot.core.PreflightReport;

/**
 * {@code certpilot.preflight.*} reach the manager, and {@code GET /actuator/certpilot/{name}/preflight} answers the
 * report (the checks this host cannot see as the CA does left out, as configured), or 404; a wrong value names its
 * property. No order is placed: the CA cannot even be reached.
 */
class PreflightEndpointTest {

    @TempDir
    Path storage;

    private ApplicationContextRunner runner() {
        return CertpilotContexts.runner(storage);
    }

    @Test
    void theEndpointAnswersTheReportWithTheSkippedChecksAsConfigured() {
        runner().withPropertyValues("certpilot.preflight.mode=on", "certpilot.preflight.skip=dns,caa,http-01")
                .run(context -> {
                    var endpoint = new CertpilotEndpoint(context.getBean(CertificateManager.class));
                    var response = endpoint.preflight("app.example.test", "preflight");
                    assertThat(response.getStatus()).isEqualTo(200);
                    var report = response.getBody();
                    assertThat(report.passed()).isTrue();
                    assertThat(report.findings()).extracting(PreflightReport.Finding::check,
                            PreflightReport.Finding::outcome, PreflightReport.Finding::evidence).containsExactly(
                            tuple(PreflightReport.Check.DNS,
                                    PreflightReport.Outcome.SKIPPED, "skipped as configured"),
                            tuple(PreflightReport.Check.CAA,
                                    PreflightReport.Outcome.SKIPPED, "skipped as configured"),
                            tuple(PreflightReport.Check.HTTP_01,
                                    PreflightReport.Outcome.SKIPPED, "skipped as configured"));
                    assertThat(endpoint.preflight("nothing.example.test", "preflight").getStatus()).isEqualTo(404);
                    assertThat(endpoint.preflight("app.example.test", "other").getStatus()).isEqualTo(404);
                });
    }

    @Test
    void theModeReachesTheManagerAndAWrongCheckNamesItsProperty() {
        runner().run(context -> assertThat(context.getBean(CertpilotProperties.class).getPreflight().getMode())
                .isEqualTo(Preflight.Mode.AUTO));
        CertpilotContexts.expectFault(runner(), "certpilot.preflight.skip", "dns, caa, http-01, tls-alpn-01 or dns-01",
                "certpilot.preflight.skip=dnssec");
    }
}

package dev.certpilot.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/**
 * The boundaries of every library module, on their compiled classes as the build made them; and each rule on
 * fixtures that break it, so that a rule that could not fail would be caught.
 */
class BoundariesTest {

    private static JavaClasses libraries;
    private static JavaClasses fixtures;

    @BeforeAll
    static void importClasses() {
        libraries = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.certpilot");
        fixtures = new ClassFileImporter().importPackages("dev.certpilot.architecture.fixture");
    }

    @Test
    void everyLibraryModuleIsImported() {
        assertThat(libraries.stream().map(c -> c.getPackageName()).distinct())
                .as("the packages checked: the core, its engine, every adapter and the test kits")
                .contains("dev.certpilot.core", "dev.certpilot.core.spi", "dev.certpilot.core.internal.renewal",
                        "dev.certpilot.core.internal.tls", "dev.certpilot.servlet", "dev.certpilot.jetty",
                        "dev.certpilot.tomcat",
                        "dev.certpilot.jdbc", "dev.certpilot.micrometer", "dev.certpilot.dns.rfc2136",
                        "dev.certpilot.dns.cloudflare", "dev.certpilot.dns.route53", "dev.certpilot.spring.boot",
                        "dev.certpilot.test", "dev.certpilot.test.conformance");
        assertThat(libraries.contain("dev.certpilot.spring.boot.CertpilotBoot3AutoConfiguration"))
                .as("the Boot 3.5 module").isTrue();
    }

    @Test
    void noPackageCycle() {
        Boundaries.noPackageCycles().check(libraries);
    }

    @Test
    void noAdapterImportsTheEngine() {
        Boundaries.adaptersStayOutOfTheEngine().check(libraries);
    }

    @Test
    void theCoreKnowsNoAdapter() {
        Boundaries.coreKnowsNoAdapter().check(libraries);
    }

    @Test
    void aCycleBetweenTwoPackagesIsFound() {
        var result = Boundaries.noPackageCycles().evaluate(fixtures);
        assertThat(result.hasViolation()).isTrue();
        assertThat(result.getFailureReport().toString()).contains("fixture.lower", "fixture.upper");
    }

    @Test
    void anAdapterThatImportsTheEngineIsFound() {
        var result = Boundaries.adaptersStayOutOfTheEngine().evaluate(fixtures);
        assertThat(result.hasViolation()).isTrue();
        assertThat(result.getFailureReport().toString()).contains("ReachesIntoTheEngine", "LogText");
    }
}

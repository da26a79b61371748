package dev.certpilot.examples.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.test.Pebble;
import dev.certpilot.test.PebbleExtension;
import dev.certpilot.test.TestSsl;

/**
 * The example's HTTPS graded by testssl.sh beside nginx configured by Mozilla's intermediate recipe with HSTS,
 * both serving the same Pebble-issued certificate: the example must grade as well, with no problem nginx lacks.
 */
class TlsGradeIT {

    @RegisterExtension
    static final PebbleExtension PEBBLE = new PebbleExtension();

    private static final String DOMAIN = "graded.certpilot.test";

    @TempDir
    Path storage;

    @Test
    void theExampleGradesAsWellAsTheNginxRecipeWithHsts(Pebble pebble) throws Exception {
        var options = Options.parse(new String[] {"--domain", DOMAIN, "--acme-directory",
            pebble.directory().toString(), "--acme-trust", pebble.listenerCaFile().toString(), "--storage",
            storage.toString(), "--host", "127.0.0.1", "--http-port", String.valueOf(pebble.httpPort()),
            "--https-port", "0", "--hsts-max-age", "31536000"}, Map.of());
        try (var example = JettyExample.start(options)) {
            example.manager().awaitCertificates(Duration.ofSeconds(60));
            var files = storage.resolve("certificates").resolve(DOMAIN);
            var root = pebble.rootFile();

            TestSsl.Scan baseline;
            try (var nginx = NginxRecipe.serve(files.resolve("fullchain.pem"), files.resolve("privkey.pem"))) {
                baseline = TestSsl.scan(DOMAIN, nginx.port(), root);
            }
            var scan = TestSsl.scan(DOMAIN, example.httpsPort(), root);

            System.out.printf("TLS grade: nginx recipe %s %s; certpilot Jetty example %s %s%n", baseline.grade(),
                    baseline.problems(), scan.grade(), scan.problems());
            assertThat(baseline.grade()).as("the baseline: " + baseline.problems()).isEqualTo("A+");
            assertThat(scan.grade()).as(scan.problems().toString()).isEqualTo(baseline.grade());
            assertThat(scan.problems()).as("no problem the recipe lacks")
                    .allSatisfy(problem -> assertThat(baseline.problems()).extracting(TestSsl.Finding::id)
                            .contains(problem.id()));
            assertThat(scan.findings().get("TLS1_3").text()).startsWith("offered");
            assertThat(scan.findings().get("TLS1_1").text()).isEqualTo("not offered");
            assertThat(scan.findings().get("PFS").severity()).isEqualTo("OK");
        }
    }
}

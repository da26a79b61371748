package dev.certpilot.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.DriverManager;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.certpilot.core.CertificateManager;
import dev.certpilot.test.PostgreSql;

/** {@code certpilot.storage.type=jdbc} keeps certificates in the application's own PostgreSQL data source. */
class JdbcStorageTest {

    private static PostgreSql postgres;

    @BeforeAll
    static void start() {
        postgres = PostgreSql.start();
    }

    @AfterAll
    static void stop() {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void theManagerUsesTheApplicationsDataSource() {
        var url = postgres.createDatabase("boot");
        var source = new PGSimpleDataSource();
        source.setURL(url);
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(CertpilotAutoConfiguration.class, SslAutoConfiguration.class))
                .withBean(DataSource.class, () -> source)
                .withPropertyValues("certpilot.domains=db.example.test", "certpilot.accept-terms=true",
                        "certpilot.ca=https://127.0.0.1:1/dir", "certpilot.storage.type=jdbc",
                        "certpilot.storage.encryption-key=AAECAwQFBgcICQoLDA0ODw==")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(CertificateManager.class);
                    try (var connection = DriverManager.getConnection(url);
                         var tables = connection.getMetaData().getTables(null, null, "certpilot_certificate",
                                 null)) {
                        assertThat(tables.next()).as("the store's schema, made when the manager read it").isTrue();
                    }
                });
    }

    @Test
    void aKeyThatIsNotBase64NamesItsProperty() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(CertpilotAutoConfiguration.class, SslAutoConfiguration.class))
                .withBean(DataSource.class, PGSimpleDataSource::new)
                .withPropertyValues("certpilot.domains=db.example.test", "certpilot.accept-terms=true",
                        "certpilot.storage.type=jdbc", "certpilot.storage.encryption-key=not base64!")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(new CertpilotFailureAnalyzer().analyze(context.getStartupFailure()).getDescription())
                            .contains("certpilot.storage.encryption-key: it is not base64");
                });
    }
}

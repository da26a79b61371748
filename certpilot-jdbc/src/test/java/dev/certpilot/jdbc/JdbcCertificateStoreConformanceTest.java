package dev.certpilot.jdbc;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import dev.certpilot.test.PostgreSql;

/** The JDBC store against the conformance kit, on a real PostgreSQL, a new database per test. */
class JdbcCertificateStoreConformanceTest extends DatabaseConformance {

    private static PostgreSql postgres;

    @BeforeAll
    static void startPostgres() {
        postgres = PostgreSql.start();
    }

    @AfterAll
    static void stopPostgres() {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Override
    String newDatabase() {
        return postgres.createDatabase("conformance");
    }
}

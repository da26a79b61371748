package dev.certpilot.jdbc;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import dev.certpilot.test.MariaDb;

/** The JDBC store against the conformance kit, on a real MariaDB, a new database per test. */
class MariaDbCertificateStoreConformanceTest extends DatabaseConformance {

    private static MariaDb mariadb;

    @BeforeAll
    static void startMariaDb() {
        mariadb = MariaDb.start();
    }

    @AfterAll
    static void stopMariaDb() {
        if (mariadb != null) {
            mariadb.close();
        }
    }

    @Override
    String newDatabase() {
        return mariadb.createDatabase("conformance");
    }
}

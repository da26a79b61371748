package dev.certpilot.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.TimeZone;
import java.util.concurrent.ConcurrentLinkedQueue;

import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.certpilot.test.MariaDb;
import dev.certpilot.test.conformance.TestBundles;

/**
 * What MariaDB does differently from PostgreSQL, on a real MariaDB (the conformance kit runs there too): instances
 * starting at once migrate once under {@code GET_LOCK}; keys are encrypted at rest; lease times are the database's
 * UTC clock whatever this JVM's time zone; {@code jdbc:mysql://} URLs reach it through MariaDB's driver when told to.
 */
class MariaDbCertificateStoreTest {

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

    private static String column(String url, String sql) throws Exception {
        try (var connection = DriverManager.getConnection(url);
             var rows = connection.createStatement().executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        }
    }

    @Test
    void instancesStartingAtOnceMigrateTheTablesOnce() throws Exception {
        var url = mariadb.createDatabase("migrate");
        var threads = new ArrayList<Thread>();
        var failures = new ConcurrentLinkedQueue<Throwable>();
        for (int i = 0; i < 6; i++) {
            var store = JdbcCertificateStore.builder(url, null, null).build();
            var thread = new Thread(() -> {
                try {
                    store.list();
                } catch (Throwable e) {
                    failures.add(e);
                } finally {
                    store.close();
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (var thread : threads) {
            thread.join();
        }
        assertThat(failures).isEmpty();
        assertThat(column(url, "SELECT GROUP_CONCAT(version ORDER BY version) FROM certpilot_schema"))
                .as("each version applied once").isEqualTo("1");
    }

    @Test
    void keysAreEncryptedAtRestAndLeasesRunOnTheDatabasesUtcClockWhateverThisJvmsZone() throws Exception {
        var url = mariadb.createDatabase("encrypted");
        var bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        var zone = TimeZone.getDefault();
        TimeZone.setDefault(TimeZone.getTimeZone("Pacific/Kiritimati")); // UTC+14
        try (var store = JdbcCertificateStore.builder(url, null, null)
                .encryptPrivateKeys(new SecretKeySpec(bytes, "AES")).build()) {
            var bundle = TestBundles.bundle("shop", "shop.test");
            var before = Instant.now();
            try (var lease = store.tryLease("shop", Duration.ofMinutes(1)).orElseThrow()) {
                assertThat(lease.expiresAt()).as("a minute ahead by the database's clock, in UTC")
                        .isBetween(before.plusSeconds(55), Instant.now().plusSeconds(65));
                store.save(bundle, lease);
            }
            assertThat(column(url, "SELECT private_key FROM certpilot_certificate")).startsWith("aes-gcm:v1:")
                    .doesNotContain("PRIVATE KEY");
            assertThat(store.load("shop").orElseThrow().privateKey().getEncoded())
                    .isEqualTo(bundle.privateKey().getEncoded());
            assertThat(store.list().get(0).notAfter()).isEqualTo(bundle.notAfter());
        } finally {
            TimeZone.setDefault(zone);
        }
    }

    @Test
    void aMysqlUrlReachesItThroughMariaDbsDriverWhenToldTo() throws Exception {
        var url = mariadb.createDatabase("mysql").replace("jdbc:mariadb:", "jdbc:mysql:") + "&permitMysqlScheme";
        try (var store = JdbcCertificateStore.builder(url, null, null).build()) {
            store.save(TestBundles.bundle("shop", "shop.test"));
            assertThat(store.list()).hasSize(1);
        }
    }
}

package dev.certpilot.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.security.SecureRandom;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateEvent;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.core.spi.CorruptedEntryException;
import dev.certpilot.core.spi.StoredCertificate;
import dev.certpilot.test.PostgreSql;
import dev.certpilot.test.conformance.TestBundles;

/** What the JDBC store does beyond the conformance kit: encryption at rest, migrations, outages, bad input. */
class JdbcCertificateStoreTest {

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

    private static SecretKeySpec aesKey() {
        var bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return new SecretKeySpec(bytes, "AES");
    }

    private static String column(String url, String sql) throws Exception {
        try (var connection = DriverManager.getConnection(url);
             var rows = connection.createStatement().executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        }
    }

    @Test
    void aVersion2DatabaseGetsItsFeedWhereItsRevisionIsAndPrunedTombstonesSendReadersBackToTheListing()
            throws Exception {
        var url = postgres.createDatabase("feed");
        var store = JdbcCertificateStore.builder(url, null, null).build();
        store.save(TestBundles.bundle("shop", "shop.test"));
        store.save(TestBundles.bundle("blog", "blog.test"));
        try (var connection = DriverManager.getConnection(url); var sql = connection.createStatement()) {
            // back to version 2, as certpilot before the feed left it, after two more of its writes
            sql.execute("DROP TABLE certpilot_feed, certpilot_deleted");
            sql.execute("DROP INDEX certpilotidx_certificate_revision");
            sql.execute("DELETE FROM certpilot_schema WHERE version = 3");
            sql.execute("SELECT nextval('certpilot_revision'), nextval('certpilot_revision')");
        }
        var sequence = column(url, "SELECT last_value FROM certpilot_revision");

        var upgraded = JdbcCertificateStore.builder(url, null, null).build();
        var start = upgraded.position();

        assertThat(start).as("the feed starts where the revision sequence is").isEqualTo(sequence);
        assertThat(upgraded.changesSince(String.valueOf(Long.parseLong(start) - 1))).as("before the feed existed")
                .isEmpty();
        var renewed = TestBundles.bundle("shop", "shop.test");
        upgraded.save(renewed);
        try (var lease = upgraded.tryLease("blog", Duration.ofSeconds(10)).orElseThrow()) {
            assertThat(upgraded.delete("blog", lease)).isTrue();
        }
        var changes = upgraded.changesSince(start).orElseThrow();
        assertThat(changes.saved()).extracting(StoredCertificate::serial).containsExactly(renewed.serialNumber());
        assertThat(changes.deleted()).containsExactly("blog");
        assertThat(column(url, "SELECT last_value FROM certpilot_revision")).as("certpilot before the feed still "
                + "sees the revision move").isNotEqualTo(sequence);

        try (var connection = DriverManager.getConnection(url); var sql = connection.createStatement()) {
            sql.execute("UPDATE certpilot_deleted SET deleted_at = now() - interval '8 days'");
        }
        upgraded.save(TestBundles.bundle("news", "news.test"));
        try (var lease = upgraded.tryLease("news", Duration.ofSeconds(10)).orElseThrow()) {
            upgraded.delete("news", lease); // prunes blog's week-old tombstone
        }
        assertThat(column(url, "SELECT string_agg(name, ',') FROM certpilot_deleted")).isEqualTo("news");
        assertThat(upgraded.changesSince(start)).as("below the raised floor: list everything").isEmpty();
        assertThat(upgraded.changesSince(changes.position()).orElseThrow().deleted()).containsExactly("news");
    }

    @Test
    void aWriteByOneInstanceSignalsTheOthersAtOnceAndAClosedHandleStopsTheSignals() throws Exception {
        var url = postgres.createDatabase("signals");
        var writer = JdbcCertificateStore.builder(url, null, null).build();
        var reader = JdbcCertificateStore.builder(url, null, null).build();
        writer.save(TestBundles.bundle("shop", "shop.test")); // the tables exist before anyone listens
        var signals = new java.util.concurrent.LinkedBlockingQueue<Long>();
        var handle = reader.onChange(() -> signals.add(System.nanoTime()));
        assertThat(signals.poll(10, java.util.concurrent.TimeUnit.SECONDS)).as("the catch-up when listening starts")
                .isNotNull();
        Thread.sleep(200);
        signals.clear();

        writer.save(TestBundles.bundle("shop", "shop.test"));

        assertThat(signals.poll(5, java.util.concurrent.TimeUnit.SECONDS)).as("the write's signal (nothing polls "
                + "here)").isNotNull();

        handle.close();
        Thread.sleep(200);
        signals.clear();
        writer.save(TestBundles.bundle("shop", "shop.test"));
        assertThat(signals.poll(1500, java.util.concurrent.TimeUnit.MILLISECONDS)).as("no signal once closed").isNull();
    }

    @Test
    void encryptedPrivateKeysAreUnreadableInTheDatabaseAndReadBackWithTheKey() throws Exception {
        var url = postgres.createDatabase("encrypted");
        var key = aesKey();
        var store = JdbcCertificateStore.builder(url, null, null).encryptPrivateKeys(key).build();
        var bundle = TestBundles.bundle("shop", "shop.test");
        var account = TestBundles.ecKeys();

        store.save(bundle);
        store.saveAccountKey("ca.test", account);

        var stored = column(url, "SELECT private_key FROM certpilot_certificate WHERE name = 'shop'");
        assertThat(stored).startsWith("aes-gcm:v1:").doesNotContain("PRIVATE KEY");
        assertThat(column(url, "SELECT key_pair FROM certpilot_account_key")).startsWith("aes-gcm:v1:");
        assertThat(column(url, "SELECT chain_pem FROM certpilot_certificate")).as("certificates are public")
                .contains("BEGIN CERTIFICATE");
        var reader = JdbcCertificateStore.builder(url, null, null).encryptPrivateKeys(key).build();
        assertThat(reader.load("shop").orElseThrow().privateKey().getEncoded())
                .isEqualTo(bundle.privateKey().getEncoded());
        assertThat(reader.loadAccountKey("ca.test").orElseThrow().getPrivate().getEncoded())
                .isEqualTo(account.getPrivate().getEncoded());
    }

    @Test
    void aWrongOrMissingKeyIsAnErrorThatNamesTheFixAndMovesNothingAside() throws Exception {
        var url = postgres.createDatabase("wrongkey");
        JdbcCertificateStore.builder(url, null, null).encryptPrivateKeys(aesKey()).build()
                .save(TestBundles.bundle("shop", "shop.test"));

        var wrong = JdbcCertificateStore.builder(url, null, null).encryptPrivateKeys(aesKey()).build();
        assertThatThrownBy(() -> wrong.load("shop")).isInstanceOf(IOException.class)
                .isNotInstanceOf(CorruptedEntryException.class)
                .hasMessageContaining("cannot be decrypted with the configured key");
        var none = JdbcCertificateStore.builder(url, null, null).build();
        assertThatThrownBy(() -> none.load("shop")).isInstanceOf(IOException.class)
                .hasMessageContaining("encryptPrivateKeys");
        assertThat(column(url, "SELECT count(*) FROM certpilot_certificate")).isEqualTo("1");
        assertThat(column(url, "SELECT count(*) FROM certpilot_corrupt")).isEqualTo("0");
    }

    @Test
    void aKeyStoredInPlaintextIsRefusedOnceEncryptionIsOnUnlessMigratingWhichEncryptsItAtItsFirstRead()
            throws Exception {
        var url = postgres.createDatabase("plaintext");
        var bundle = TestBundles.bundle("shop", "shop.test");
        var account = TestBundles.ecKeys();
        var plain = JdbcCertificateStore.builder(url, null, null).build();
        plain.save(bundle);
        plain.saveAccountKey("ca.test", account);
        var key = aesKey();

        var migrating = JdbcCertificateStore.builder(url, null, null).encryptPrivateKeys(key).migratePlaintextKeys()
                .build();
        assertThat(migrating.load("shop").orElseThrow().privateKey().getEncoded())
                .isEqualTo(bundle.privateKey().getEncoded());
        assertThat(migrating.loadAccountKey("ca.test").orElseThrow().getPrivate().getEncoded())
                .isEqualTo(account.getPrivate().getEncoded());
        assertThat(column(url, "SELECT private_key FROM certpilot_certificate")).as("sealed at its first read")
                .startsWith("aes-gcm:v1:");
        assertThat(column(url, "SELECT key_pair FROM certpilot_account_key")).startsWith("aes-gcm:v1:");
        var encrypting = JdbcCertificateStore.builder(url, null, null).encryptPrivateKeys(key).build();
        assertThat(encrypting.load("shop")).isPresent();

        // a database writer without the key swaps in keys they know
        plain.saveAccountKey("ca.test", TestBundles.ecKeys());
        plain.save(TestBundles.bundle("shop", "shop.test"));
        assertThatThrownBy(() -> encrypting.loadAccountKey("ca.test")).isInstanceOf(IOException.class)
                .hasMessageContaining("stored in plaintext while private keys are encrypted")
                .hasMessageContaining("migrate-plaintext-keys");
        assertThatThrownBy(() -> encrypting.load("shop")).isInstanceOf(CorruptedEntryException.class)
                .hasMessageContaining("stored in plaintext");
        assertThat(encrypting.load("shop")).as("moved aside: obtained again").isEmpty();
        assertThatThrownBy(() -> JdbcCertificateStore.builder(url, null, null).migratePlaintextKeys().build())
                .hasMessageContaining("needs encryptPrivateKeys");
    }

    @Test
    void tablesThatAnotherRoleCreatedFirstAreNotAdoptedAndASchemaOfItsOwnKeepsThemApart() throws Exception {
        var url = postgres.createDatabase("owners");
        try (var admin = DriverManager.getConnection(url); var sql = admin.createStatement()) {
            sql.execute("CREATE ROLE app LOGIN");
            sql.execute("CREATE ROLE intruder");
            sql.execute("GRANT ALL ON SCHEMA public TO app, intruder");
            // what the old default let any role do: tables in public before the application's first start
            sql.execute("CREATE TABLE certpilot_schema (version integer NOT NULL)");
            sql.execute("INSERT INTO certpilot_schema VALUES (1), (2)");
            sql.execute("CREATE TABLE certpilot_account_key (id text PRIMARY KEY, key_pair text NOT NULL, "
                    + "updated_at timestamptz NOT NULL DEFAULT now())");
            sql.execute("ALTER TABLE certpilot_schema OWNER TO intruder");
            sql.execute("ALTER TABLE certpilot_account_key OWNER TO intruder");
            sql.execute("GRANT ALL ON ALL TABLES IN SCHEMA public TO app");
            sql.execute("CREATE SCHEMA certpilot AUTHORIZATION app");
        }
        var adopting = JdbcCertificateStore.builder(url, "app", null).build();
        assertThatThrownBy(() -> adopting.saveAccountKey("ca.test", TestBundles.ecKeys()))
                .hasMessageContaining("The table certpilot_schema belongs to the role intruder, not to app")
                .hasMessageContaining("schema of its own");
        assertThat(column(url, "SELECT count(*) FROM certpilot_account_key")).as("nothing written there")
                .isEqualTo("0");

        var apart = JdbcCertificateStore.builder(url, "app", null).schema("certpilot").build();
        apart.saveAccountKey("ca.test", TestBundles.ecKeys());
        apart.save(TestBundles.bundle("shop", "shop.test"));
        assertThat(apart.load("shop")).isPresent();
        assertThat(column(url, "SELECT count(*) FROM certpilot.certpilot_account_key")).isEqualTo("1");
        assertThat(column(url, "SELECT tableowner FROM pg_tables WHERE schemaname = 'certpilot' "
                + "AND tablename = 'certpilot_certificate'")).isEqualTo("app");
        assertThat(column(url, "SELECT count(*) FROM public.certpilot_account_key")).isEqualTo("0");
    }

    @Test
    void instancesStartingAtOnceMigrateTheTablesOnceAndRecordTheVersion() throws Exception {
        var url = postgres.createDatabase("migrate");
        var threads = new java.util.ArrayList<Thread>();
        var failures = new java.util.concurrent.ConcurrentLinkedQueue<Throwable>();
        for (int i = 0; i < 6; i++) {
            var store = JdbcCertificateStore.builder(url, null, null).build();
            var thread = new Thread(() -> {
                try {
                    store.list();
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (var thread : threads) {
            thread.join();
        }
        assertThat(failures).isEmpty();
        assertThat(column(url, "SELECT string_agg(version::text, ',' ORDER BY version) FROM certpilot_schema"))
                .as("each version applied once").isEqualTo(java.util.stream.IntStream.rangeClosed(1, Schema.current(Dialect.POSTGRESQL))
                        .mapToObj(String::valueOf).collect(java.util.stream.Collectors.joining(",")));
    }

    @Test
    void aCertificateSavedBeforeVersion2IsListedWithTheStartOfItsValidityReadFromItsCertificate() throws Exception {
        var url = postgres.createDatabase("version1");
        var store = JdbcCertificateStore.builder(url, null, null).build();
        var bundle = TestBundles.bundle("shop", "shop.test");
        store.save(bundle);
        try (var connection = DriverManager.getConnection(url)) {
            connection.createStatement().execute("UPDATE certpilot_certificate SET not_before = NULL");
        }

        assertThat(store.list()).singleElement().satisfies(entry -> {
            assertThat(entry.notBefore()).isEqualTo(bundle.notBefore());
            assertThat(entry.notAfter()).isEqualTo(bundle.notAfter());
        });
    }

    @Test
    void aDatabaseOfANewerSchemaIsRefusedWithAnUpgradeHint() throws Exception {
        var url = postgres.createDatabase("newer");
        JdbcCertificateStore.builder(url, null, null).build().list();
        try (var connection = DriverManager.getConnection(url)) {
            connection.createStatement().execute("INSERT INTO certpilot_schema VALUES (" + (Schema.current(Dialect.POSTGRESQL) + 1)
                    + ")");
        }
        assertThatThrownBy(() -> JdbcCertificateStore.builder(url, null, null).build().list())
                .hasMessageContaining("newer than this certpilot-jdbc knows").hasMessageContaining("upgrade");
    }

    @Test
    void anUnreachableDatabaseIsAnIoErrorThatSaysSoWithoutThePassword() {
        var store = JdbcCertificateStore.builder("jdbc:postgresql://127.0.0.1:1/app?password=secret", "app", null)
                .build();

        assertThatThrownBy(() -> store.load("shop")).isInstanceOf(IOException.class)
                .hasMessageContaining("is the database running and reachable")
                .hasMessageNotContaining("secret");
        assertThat(store.toString()).doesNotContain("secret");
    }

    @Test
    void wrongConfigurationIsRefusedNamingTheFix() {
        assertThatThrownBy(() -> JdbcCertificateStore.builder("jdbc:sqlserver://db/app", null, null))
                .hasMessageContaining("PostgreSQL, MariaDB or MySQL").hasMessageContaining("jdbc:postgresql://")
                .hasMessageContaining("jdbc:mariadb://");
        assertThatThrownBy(() -> JdbcCertificateStore.builder("jdbc:mysql://db/app?password=s3cret", null, null))
                .as("MariaDB's driver takes jdbc:mysql: only when told to").hasMessageStartingWith("No JDBC driver for "
                        + "jdbc:mysql://db/app?password=*** on the class path: add com.mysql:mysql-connector-j");
        assertThatThrownBy(() -> JdbcCertificateStore.builder("jdbc:postgres://db/app?user=app&password=s3cret",
                null, null)).as("the password never in a message").hasMessageNotContaining("s3cret")
                .hasMessageContaining("jdbc:postgres://db/app?user=app&password=***");
        assertThatThrownBy(() -> JdbcCertificateStore.builder("postgresql://app:s3cret@db/app", null, null))
                .hasMessageNotContaining("s3cret").hasMessageContaining("postgresql://app:***@db/app");
        assertThatThrownBy(() -> JdbcCertificateStore.builder("jdbc:postgresql://db/app", null, null)
                .encryptPrivateKeys(new SecretKeySpec(new byte[8], "AES"))).hasMessageContaining("128 or 256 bits");
    }

    @Test
    void aLeaseSurvivesADatabaseRestartAndItsHolderStillWrites() throws Exception {
        var url = postgres.createDatabase("restart");
        var store = JdbcCertificateStore.builder(url, null, null).build();
        try (var lease = store.tryLease("shop", Duration.ofMinutes(1)).orElseThrow()) {
            postgres.stop();
            assertThatThrownBy(lease::renew).isInstanceOf(IOException.class).hasMessageContaining("reachable");
            postgres.startAgain();
            lease.renew();
            store.save(TestBundles.bundle("shop", "shop.test"), lease);
        } finally {
            postgres.startAgain(); // the other tests' server, whatever failed here
        }
        assertThat(store.load("shop")).isPresent();
    }

    /**
     * A node of a cluster that starts while its PostgreSQL is down (a rolling deploy during a database restart) starts
     * all the same: it serves a bootstrap certificate and says it is not ready, then serves the stored certificate as
     * soon as the database answers, with no order. The CA's URL leads nowhere: no order could succeed, and none is
     * tried.
     */
    @Test
    void aNodeStartsWhileTheDatabaseIsDownAndServesTheStoredCertificateOnceItAnswers() throws Exception {
        var url = postgres.createDatabase("down");
        var stored = TestBundles.bundle("shop", "shop.test");
        JdbcCertificateStore.builder(url, null, null).build().save(stored);
        var events = new CopyOnWriteArrayList<CertificateEvent>();
        postgres.stop();
        try (var manager = CertificateManager.builder().certificateAuthority(CertificateAuthority.of(
                "https://127.0.0.1:1/dir")).agreeToTermsOfService()
                .store(JdbcCertificateStore.builder(url, null, null).build()).certificate("shop", "shop.test")
                .challenges(new InMemoryHttp01Responder()).listener(events::add).build()) {
            manager.start(); // did not throw: the node runs

            assertThat(manager.status().get(0).bootstrap()).as("not ready: the bootstrap certificate").isTrue();
            assertThat(manager.certificate("shop").orElseThrow().isSelfSigned()).isTrue();
            var deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (manager.status().get(0).lastError() == null && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(manager.status().get(0).lastError()).as("status says why").contains("reachable");

            postgres.startAgain();
            deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (!manager.certificate("shop").orElseThrow().serialNumber().equals(stored.serialNumber())
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(manager.certificate("shop").orElseThrow().serialNumber()).as("the stored one, once it answers")
                    .isEqualTo(stored.serialNumber());
            assertThat(manager.status().get(0).bootstrap()).isFalse();
            assertThat(events).filteredOn(CertificateEvent.Obtaining.class::isInstance).as("no order").isEmpty();
        } finally {
            postgres.startAgain();
        }
    }
}

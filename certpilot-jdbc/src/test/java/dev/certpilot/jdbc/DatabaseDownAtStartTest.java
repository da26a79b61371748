package dev.certpilot.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateEvent;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.test.PostgreSql;
import dev.certpilot.test.conformance.TestBundles;

/**
 * A node of a cluster that starts while its PostgreSQL is down (a rolling deploy during a database restart) starts
 * all the same: it serves a bootstrap certificate and says it is not ready, then serves the stored certificate as
 * soon as the database answers, with no order. The CA's URL leads nowhere: no order could succeed anyway, and none is
 * tried.
 */
class DatabaseDownAtStartTest {

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

    @Test
    void aNodeStartsWhileTheDatabaseIsDownAndServesTheStoredCertificateOnceItAnswers() throws Exception {
        var url = postgres.createDatabase("down");
        var stored = TestBundles.bundle("shop", "shop.test");
        JdbcCertificateStore.builder(url, null, null).build().save(stored);
        var events = new CopyOnWriteArrayList<CertificateEvent>();
        postgres.stop();
        try (var manager = CertificateManager.builder().certificateAuthority(CertificateAuthority.of(
                "https://127.0.0.1:1/dir")).agreeToTermsOfService().store(JdbcCertificateStore.builder(url, null, null)
                .build()).certificate("shop", "shop.test").challenges(new InMemoryHttp01Responder()).listener(events::add)
                .build()) {
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

package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

class CertificateIndexTest {

    private final Instant now = Instant.parse("2026-11-22T00:00:00Z");

    @Test
    void exactMatchWinsOverAWildcard() {
        var wild = SelfSigned.bundle("wild", now, Duration.ofDays(1), "*.shop.test");
        var api = SelfSigned.bundle("api", now, Duration.ofDays(1), "api.shop.test");
        var index = CertificateIndex.EMPTY.with(wild).with(api);

        assertThat(index.forHost("api.shop.test")).contains(api);
        assertThat(index.forHost("www.shop.test.")).contains(wild);
        assertThat(index.forHost("shop.test")).isEmpty();
        assertThat(index.forHost(null)).isEmpty();
    }

    @Test
    void aReplacedBundleStaysReachableByItsAliasForHandshakesInFlight() {
        var old = SelfSigned.bundle("shop", now, Duration.ofDays(1), "shop.test");
        var fresh = SelfSigned.bundle("shop", now, Duration.ofDays(1), "shop.test");
        var before = CertificateIndex.EMPTY.with(old);
        var oldAlias = before.aliasOf(old);

        var after = before.with(fresh);

        assertThat(after.byName("shop")).contains(fresh);
        assertThat(after.aliasOf(fresh)).isNotEqualTo(oldAlias).startsWith("shop@");
        assertThat(after.byAlias(oldAlias)).contains(old);
        assertThat(after.byAlias(after.aliasOf(fresh))).contains(fresh);
        assertThat(after.with(SelfSigned.bundle("shop", now, Duration.ofDays(1), "shop.test"))
                .byAlias(oldAlias)).as("only the last replaced bundle is kept").isEmpty();
    }

    @Test
    void whetherANameIsServedABootstrapCertificateIsRecordedOnceWhenPublished() {
        var now = java.time.Instant.now();
        var bootstrap = SelfSigned.bundle("shop", now, java.time.Duration.ofDays(1), "shop.test");
        var issued = SelfSigned.bundle("shop", now, java.time.Duration.ofDays(1), "shop.test");

        var before = CertificateIndex.EMPTY.with(java.util.List.of(), java.util.List.of(bootstrap));
        var after = before.with(java.util.List.of(issued), java.util.List.of());

        assertThat(CertificateIndex.EMPTY.isBootstrap("shop")).as("nothing served").isTrue();
        assertThat(before.isBootstrap("shop")).isTrue();
        assertThat(after.isBootstrap("shop")).isFalse();
        assertThat(after.byName("shop")).contains(issued);
    }
}

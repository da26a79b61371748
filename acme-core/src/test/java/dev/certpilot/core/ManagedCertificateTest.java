package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class ManagedCertificateTest {

    @Test
    void domainsAreNormalizedToLowerCaseAscii() {
        var certificate = new ManagedCertificate("shop", List.of("Shop.Example.COM.", "bücher.example"));

        assertThat(certificate.domains()).containsExactly("shop.example.com", "xn--bcher-kva.example");
    }

    @Test
    void ofNamesTheCertificateAfterItsFirstDomain() {
        assertThat(ManagedCertificate.of("api.example.com").name()).isEqualTo("api.example.com");
        assertThat(ManagedCertificate.of("*.example.com", "example.com").name()).isEqualTo("wildcard_.example.com");
        assertThat(ManagedCertificate.of("*.example.com").hasWildcard()).isTrue();
        assertThat(ManagedCertificate.of("Shop.Example.COM").name()).isEqualTo("shop.example.com");
        assertThat(ManagedCertificate.of("bücher.example").name()).isEqualTo("xn--bcher-kva.example");
        var label = "a".repeat(63);
        var longName = ManagedCertificate.of(label + "." + label + ".example").name();
        assertThat(longName).hasSize(64).startsWith("a".repeat(31) + "-").matches("[a-z0-9._-]{31}-[0-9a-f]{32}");
        assertThat(ManagedCertificate.of(label + "." + label + ".example2").name()).as("distinct names")
                .isNotEqualTo(longName);
    }

    @Test
    void longNamesWhoseJavaHashesCollideGetDistinctStorageNames() {
        // what an attacker does in microseconds: two long names with the same String.hashCode, for on-demand TLS
        var prefix = "customer-" + "a".repeat(50) + ".";
        var seen = new java.util.HashMap<Integer, String>();
        var random = new java.util.SplittableRandom(7);
        String first = null;
        String second = null;
        while (first == null) {
            var name = prefix + random.ints(12, 'a', 'z' + 1)
                    .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append) + ".example";
            var other = seen.putIfAbsent(name.hashCode(), name);
            if (other != null && !other.equals(name)) {
                first = other;
                second = name;
            }
        }
        assertThat(first.hashCode()).isEqualTo(second.hashCode());

        assertThat(ManagedCertificate.of(first).name()).as("stored apart").isNotEqualTo(
                ManagedCertificate.of(second).name());
    }

    @Test
    void invalidDomainsAreRejectedNamingTheDomain() {
        assertThatThrownBy(() -> ManagedCertificate.of("a.*.example.com"))
                .hasMessageContaining("a.*.example.com").hasMessageContaining("left-most label");
        assertThatThrownBy(() -> ManagedCertificate.of("localhost")).hasMessageContaining("fully qualified");
        assertThatThrownBy(() -> ManagedCertificate.of("192.0.2")).hasMessageContaining("neither a DNS name nor an IP");
        assertThatThrownBy(() -> ManagedCertificate.of("bad_label.example")).hasMessageContaining("bad_label");
        assertThatThrownBy(() -> ManagedCertificate.of("-x.example")).hasMessageContaining("-x.example");
        assertThatThrownBy(() -> new ManagedCertificate("s", List.of("a.example", "A.example")))
                .hasMessageContaining("a.example twice");
    }

    @Test
    void namesThatAreNormalAlreadyAreCheckedByTheSameRules() {
        for (var valid : List.of("a.b", "shop.example.com", "a-b.c-d.example", "xn--bcher-kva.example",
                "123.example", "a".repeat(63) + ".example", "1.2.3.4")) {
            assertThat(ManagedCertificate.normalize(valid)).as(valid).isSameAs(valid);
        }
        for (var invalid : List.of("example", "-a.example", "a-.example", "a..example", ".a.example",
                "a".repeat(64) + ".example", "1.2.3", "a.example-", "a_b.example", "a.example.")) {
            var normalized = org.assertj.core.api.Assertions.catchThrowable(() -> ManagedCertificate.normalize(invalid));
            if (invalid.equals("a.example.")) {
                assertThat(ManagedCertificate.normalize(invalid)).as("a trailing dot is dropped").isEqualTo("a.example");
            } else {
                assertThat(normalized).as(invalid).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining(invalid);
            }
        }
    }

    @Test
    void invalidNamesAreRejectedSayingWhatIsAllowed() {
        assertThatThrownBy(() -> new ManagedCertificate("../etc", List.of("a.example")))
                .hasMessageContaining("'../etc'").hasMessageContaining("a-z 0-9");
        assertThatThrownBy(() -> new ManagedCertificate("Shop", List.of("a.example"))).hasMessageContaining("'Shop'");
        assertThatThrownBy(() -> new ManagedCertificate("shop", List.of())).hasMessageContaining("no domain");
    }
}

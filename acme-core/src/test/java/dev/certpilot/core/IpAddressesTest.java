package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.certpilot.core.internal.base.IpAddresses;

class IpAddressesTest {

    @Test
    void addressesAreWrittenInOneCanonicalForm() {
        assertThat(IpAddresses.canonical("192.0.2.7")).isEqualTo("192.0.2.7");
        assertThat(IpAddresses.canonical("2001:DB8:0:0:0:0:0:7")).isEqualTo("2001:db8::7");
        assertThat(IpAddresses.canonical("[2001:db8::7]")).isEqualTo("2001:db8::7");
        assertThat(IpAddresses.canonical("0:0:0:0:0:0:0:1")).isEqualTo("::1");
        assertThat(IpAddresses.canonical("::")).isEqualTo("::");
        assertThat(IpAddresses.canonical("2001:db8:0:1:0:0:0:1")).as("the longest zero run").isEqualTo(
                "2001:db8:0:1::1");
        assertThat(IpAddresses.canonical("2001:db8:0:0:1:0:0:1")).as("the first of equal runs").isEqualTo(
                "2001:db8::1:0:0:1");
        assertThat(IpAddresses.canonical("2001:db8:0:1:1:1:1:1")).as("one zero group stays").isEqualTo(
                "2001:db8:0:1:1:1:1:1");
        assertThat(IpAddresses.canonical("::ffff:192.0.2.7")).as("IPv4-mapped").isEqualTo("192.0.2.7");
    }

    @Test
    void namesAndMalformedAddressesAreNotAddresses() {
        for (var text : List.of("example.com", "1.2.3", "256.1.1.1", "01.2.3.4", "1.2.3.4.5", "fe80::1%eth0",
                "2001:db8::7::1", ":::", "[::1", "localhost", ".1:2", "[.1:2]")) {
            assertThat(IpAddresses.canonical(text)).as(text).isNull();
        }
    }

    @Test
    void reverseNamesAreWhatCasSendAsSni() {
        assertThat(IpAddresses.reverseName("192.0.2.7")).isEqualTo("7.2.0.192.in-addr.arpa");
        assertThat(IpAddresses.reverseName("2001:db8::567:89ab")).isEqualTo(
                "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
    }

    @Test
    void certificatesListAddressesInCanonicalFormAndNeedAResponderThatCanValidateThem() {
        var certificate = ManagedCertificate.of("2001:DB8::7", "192.0.2.7");
        assertThat(certificate.domains()).containsExactly("2001:db8::7", "192.0.2.7");
        assertThat(certificate.name()).isEqualTo("ipv6_2001-db8--7");
        assertThat(certificate.unvalidatable(List.of(new ChallTestSrvDns(null)))).contains("2001:db8::7")
                .contains("never by DNS").contains("InMemoryHttp01Responder");
        assertThat(certificate.unvalidatable(List.of(new InMemoryTlsAlpn01Responder()))).isNull();
        assertThatThrownBy(() -> ManagedCertificate.of("1.2.3")).hasMessageContaining("'1.2.3' is neither a DNS "
                + "name nor an IP address");
        assertThatThrownBy(() -> CertificateManager.builder().certificateAuthority(CertificateAuthority.LETS_ENCRYPT)
                .agreeToTermsOfService().certificate(ManagedCertificate.of("192.0.2.7"))
                .challenges(new ChallTestSrvDns(null)).build())
                .hasMessageContaining("IP address 192.0.2.7 (certificate '192.0.2.7') can only be validated by "
                        + "http-01 or tls-alpn-01");
    }
}

package dev.certpilot.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.certpilot.core.CertificateManager;
import dev.certpilot.test.PebbleExtension;
import dev.certpilot.test.TlsClient;
import dev.certpilot.test.spring.PebbleProperties;

/** The README's recipe for users' own Boot tests: @SpringBootTest pointed at Pebble by PebbleProperties. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "certpilot.domains=tested.certpilot.test")
class SpringBootTestSupportIT {

    @RegisterExtension
    static final PebbleExtension PEBBLE = new PebbleExtension();

    @DynamicPropertySource
    static void certpilot(DynamicPropertyRegistry registry) {
        PebbleProperties.register(registry, PEBBLE);
    }

    @Autowired
    CertificateManager manager;

    @Value("${local.server.port}")
    int port;

    @Test
    void theApplicationServesPebblesCertificate() throws Exception {
        manager.awaitCertificates(Duration.ofSeconds(60));
        var issued = manager.certificate("tested.certpilot.test").orElseThrow();
        try (var client = TlsClient.connect(TlsClient.trusting(PEBBLE.pebble().root()), port,
                "tested.certpilot.test")) {
            assertThat(client.leaf().getSerialNumber()).isEqualTo(issued.serialNumber());
        }
    }
}

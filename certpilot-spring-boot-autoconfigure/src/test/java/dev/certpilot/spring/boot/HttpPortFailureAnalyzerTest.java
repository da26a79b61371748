package dev.certpilot.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;

import org.junit.jupiter.api.Test;
import org.springframework.boot.web.server.PortInUseException;
import org.springframework.boot.web.server.WebServerException;
import org.springframework.mock.env.MockEnvironment;

/**
 * A plain-HTTP port that cannot be bound is reported as {@code certpilot.http-port}, with the reason, found by
 * trying the port when the server's exception does not carry it (as Boot's Tomcat connector failure does not).
 */
class HttpPortFailureAnalyzerTest {

    @Test
    void aPortInUseIsReportedAsTheCertpilotPropertyWithTheReasonAndTheFix() throws Exception {
        try (var busy = new ServerSocket(0, 1, InetAddress.getByName("0.0.0.0"))) {
            var port = busy.getLocalPort();
            var analyzer = new HttpPortFailureAnalyzer(new MockEnvironment()
                    .withProperty("certpilot.http-port", Integer.toString(port)));
            var failure = new WebServerException("Unable to start embedded Tomcat", new PortInUseException(port));

            var analysis = analyzer.analyze(failure);

            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).contains("certpilot.http-port=" + port)
                    .containsIgnoringCase("address already in use");
            assertThat(analysis.getAction()).contains("Another process uses port " + port)
                    .contains("certpilot.http-port");
        }
    }

    @Test
    void anotherPortIsLeftToSpringBoot() {
        var analyzer = new HttpPortFailureAnalyzer(new MockEnvironment().withProperty("certpilot.http-port", "8080"));
        assertThat(analyzer.analyze(new PortInUseException(8443))).as("server.port's failure").isNull();
        assertThat(analyzer.analyze(new IllegalStateException("no port at all"))).isNull();
    }
}

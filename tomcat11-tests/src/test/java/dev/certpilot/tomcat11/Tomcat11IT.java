package dev.certpilot.tomcat11;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;

import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.catalina.util.ServerInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.test.LoopbackPorts;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.PebbleExtension;
import dev.certpilot.test.TlsClient;
import dev.certpilot.tomcat.CertpilotListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The listener on Tomcat 11 (certpilot-tomcat is compiled against 10.1), with the attributes a {@code server.xml} would
 * give, against Pebble (certificates of 60 seconds): the application is served over HTTPS with Pebble's
 * certificate, the challenge is answered on the plain connector, and the renewal is served at the next handshake.
 */
class Tomcat11IT {

    @RegisterExtension
    static final PebbleExtension PEBBLE = PebbleExtension.withSettings(b -> b
            .certificateValidity(Duration.ofSeconds(60)).nonceRejectPercent(0));

    @TempDir
    Path base;

    @Test
    void servesAndRenewsOnTomcat11(Pebble pebble) throws Exception {
        assertThat(ServerInfo.getServerNumber()).startsWith("11.");
        var https = freePort();
        var tomcat = new Tomcat();
        tomcat.setBaseDir(base.resolve("tomcat").toString());
        var listener = new CertpilotListener();
        listener.setProperty("domains", "tomcat11.test");
        listener.setProperty("acceptTerms", "true");
        listener.setProperty("ca", pebble.directory().toString());
        listener.setProperty("caTrust", pebble.listenerCaFile().toString());
        listener.setProperty("storage", base.resolve("certpilot").toString());
        listener.setProperty("renewalWindow", "0.8");
        tomcat.getServer().addLifecycleListener(listener);
        var plain = new Connector();
        plain.setPort(pebble.httpPort());
        tomcat.getService().addConnector(plain);
        var secure = new Connector();
        secure.setPort(https);
        secure.setProperty("SSLEnabled", "true");
        secure.setSecure(true);
        secure.setScheme("https");
        tomcat.getService().addConnector(secure);
        var context = tomcat.addContext("", base.toString());
        Tomcat.addServlet(context, "hello", new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
                var body = "hello from Tomcat 11".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                response.setContentLength(body.length);
                response.getOutputStream().write(body);
            }
        });
        context.addServletMappingDecoded("/", "hello");
        tomcat.start();
        try {
            var trust = TlsClient.trusting(pebble.root());
            var issued = awaitServedSerial(trust, https, null);
            try (var client = TlsClient.connect(trust, https, "tomcat11.test")) {
                assertThat(client.get("tomcat11.test", "/")).contains("hello from Tomcat 11");
            }
            var renewed = awaitServedSerial(trust, https, issued);
            assertThat(renewed).as("the renewal, at the next handshake, without a restart").isNotEqualTo(issued);
        } finally {
            tomcat.stop();
            tomcat.destroy();
        }
    }

    private static BigInteger awaitServedSerial(SSLContext trust, int port, BigInteger previous) throws Exception {
        var deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            try (var client = TlsClient.connect(trust, port, "tomcat11.test")) {
                var serial = client.leaf().getSerialNumber();
                if (!serial.equals(previous)) {
                    return serial;
                }
            } catch (IOException bootstrapOrNotYet) {
                // the bootstrap certificate does not chain to Pebble's root
            }
            Thread.sleep(250);
        }
        throw new AssertionError("Tomcat 11 never served a " + (previous == null ? "" : "new ")
                + "certificate of Pebble's");
    }

    private static int freePort() throws IOException {
        return LoopbackPorts.free();
    }
}

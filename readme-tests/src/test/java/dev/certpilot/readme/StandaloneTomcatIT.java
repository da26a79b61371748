package dev.certpilot.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.test.Curl;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.PebbleExtension;
import dev.certpilot.test.StandaloneTomcat;
import dev.certpilot.test.TlsClient;

/**
 * The README's standalone Tomcat route on Debian's Tomcat 10.1, as an operator follows it: the README's command
 * fetches the jar into {@code $CATALINA_BASE/lib}, the README's {@code server.xml} is used as written (names, ports
 * and the CA replaced by the test's: Pebble, whose certificates last 60 seconds), and {@code catalina.sh run} starts
 * it. curl gets Pebble's certificate, then its renewal, from the same Tomcat process, which the test never restarts
 * or reloads.
 */
class StandaloneTomcatIT {

    @RegisterExtension
    static final PebbleExtension PEBBLE = PebbleExtension.withSettings(b -> b
            .certificateValidity(Duration.ofSeconds(60)).nonceRejectPercent(0));

    private static final String HOST = "tomcat.test";

    @TempDir
    Path work;

    @Test
    void theReadmesServerXmlServesTheCasCertificateThenItsRenewalWithoutARestart(Pebble pebble) throws Exception {
        try (var tomcat = StandaloneTomcat.create()) {
            fetchTheJarAsTheReadmeSays(tomcat.base());
            var https = Served.freePort();
            // renew when 48 of the 60 seconds are left: within about 12 s of each issuance
            write(tomcat.base().resolve("conf/server.xml"), serverXml(pebble, https, "renewalWindow=\"0.8\" "));
            deployAnApplication(tomcat.base());

            tomcat.start().awaitPort(https, Duration.ofSeconds(60));
            var trust = TlsClient.trusting(pebble.root());
            var issued = Served.awaitSerial(trust, https, HOST, null, tomcat::isAlive, tomcat::log);

            var page = Curl.get(URI.create("https://" + HOST + ":" + https + "/"), pebble.rootFile());
            assertThat(page.exitCode()).as("curl, trusting Pebble's root: %s", page.error()).isZero();
            assertThat(page.status()).isEqualTo(200);
            assertThat(page.body()).isEqualTo("hello from the application\n");
            assertThat(Served.awaitSerial(trust, https, "www." + HOST, null, tomcat::isAlive, tomcat::log)).as("the other name, by SNI")
                    .isNotEqualTo(issued);
            var plain = Curl.get(URI.create("http://" + HOST + ":" + pebble.httpPort() + "/page?x=1"),
                    pebble.rootFile());
            assertThat(plain.status()).as("plain HTTP redirected").isBetween(301, 308);
            assertThat(plain.header("Location")).contains("https://" + HOST + ":" + https + "/page?x=1");
            var other = Curl.get(URI.create("http://other.test:" + pebble.httpPort() + "/"), pebble.rootFile());
            assertThat(other.status()).as("a name not managed").isEqualTo(421);

            var renewed = Served.awaitSerial(trust, https, HOST, issued, tomcat::isAlive, tomcat::log);
            assertThat(tomcat.isAlive()).as("the same Tomcat process").isTrue();
            var again = Curl.get(URI.create("https://" + HOST + ":" + https + "/"), pebble.rootFile(), "--verbose");
            assertThat(again.exitCode()).as(again.error()).isZero();
            assertThat(again.status()).isEqualTo(200);
            assertThat(renewed).isNotEqualTo(issued);
            assertThat(tomcat.log()).as("certpilot's lines in catalina.out")
                    .contains("Obtained certificate " + HOST).contains("Renewed certificate " + HOST)
                    .doesNotContain("No SLF4J providers");
        }
    }

    @Test
    void anUnknownAttributeStopsTheStartWithTheReadmesLine(Pebble pebble) throws Exception {
        try (var tomcat = StandaloneTomcat.create()) {
            fetchTheJarAsTheReadmeSays(tomcat.base());
            var https = Served.freePort();
            var xml = Readme.replace(serverXml(pebble, https, ""), "domains=", "domain=");
            write(tomcat.base().resolve("conf/server.xml"), xml);

            tomcat.start();
            var expected = Readme.block("", "unknown attribute domain").trim();
            var deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!tomcat.log().contains(expected) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(tomcat.log()).contains(expected);
            assertThat(tomcat.awaitExit(Duration.ofSeconds(30))).as("Tomcat does not start").isTrue();
        }
    }

    /** The README's command, run by bash with {@code CATALINA_BASE} set, in a folder with no project. */
    private void fetchTheJarAsTheReadmeSays(Path base) throws Exception {
        var command = Readme.block("sh", "certpilot-tomcat");
        var builder = new ProcessBuilder("bash", "-e", "-c", command).directory(work.toFile())
                .redirectErrorStream(true).redirectOutput(work.resolve("mvn.log").toFile());
        builder.environment().put("CATALINA_BASE", base.toString());
        var process = builder.start();
        assertThat(process.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(Files.readString(work.resolve("mvn.log"))).isZero();
        try (var jars = Files.list(base.resolve("lib"))) {
            assertThat(jars.map(jar -> jar.getFileName().toString()))
                    .containsExactly("certpilot-tomcat-0.1.0-SNAPSHOT-standalone.jar");
        }
    }

    /** The README's server.xml with the values a user changes replaced by the test's. */
    private static String serverXml(Pebble pebble, int https, String more) {
        var xml = Readme.block("xml", "dev.certpilot.tomcat.CertpilotListener");
        xml = Readme.replace(xml, "domains=\"example.com www.example.com\"",
                "domains=\"" + HOST + " www." + HOST + "\"");
        xml = Readme.replace(xml, "ca=\"lets-encrypt-staging\"", "ca=\"" + pebble.directory() + "\" caTrust=\""
                + pebble.listenerCaFile() + "\" " + more);
        xml = Readme.replace(xml, "<Connector port=\"80\"", "<Connector port=\"" + pebble.httpPort() + "\"");
        return Readme.replace(xml, "<Connector port=\"443\"", "<Connector port=\"" + https + "\"");
    }

    /** A ROOT application of one static page, served by Tomcat's own default servlet. */
    private static void deployAnApplication(Path base) throws IOException {
        var root = base.resolve("webapps/ROOT");
        write(root.resolve("index.html"), "hello from the application\n");
        write(root.resolve("WEB-INF/web.xml"), """
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                  <servlet>
                    <servlet-name>default</servlet-name>
                    <servlet-class>org.apache.catalina.servlets.DefaultServlet</servlet-class>
                  </servlet>
                  <servlet-mapping><servlet-name>default</servlet-name><url-pattern>/</url-pattern></servlet-mapping>
                  <welcome-file-list><welcome-file>index.html</welcome-file></welcome-file-list>
                </web-app>
                """);
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }
}

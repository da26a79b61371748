package dev.certpilot.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.test.Curl;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.PebbleExtension;
import dev.certpilot.test.TlsClient;

/**
 * The README's quick start as a user copies it into a fresh project of their own: a pom that depends on the
 * installed {@code acme-core}, a main class made of the README's block (the CA, names and folder replaced by the
 * test's), and the JDK's own {@code HttpsServer}, which starts in the background, in place of the block's "start
 * your HTTPS server" line. Built by Maven, run as its own JVM against Pebble (certificates of 60 seconds): curl gets
 * the CA's certificate, then its renewal, from the same process.
 */
class QuickStartIT {

    @RegisterExtension
    static final PebbleExtension PEBBLE = PebbleExtension.withSettings(b -> b
            .certificateValidity(Duration.ofSeconds(60)).nonceRejectPercent(0));

    @TempDir
    Path project;

    @Test
    void theQuickStartOnAServerThatStartsInTheBackgroundKeepsRenewing(Pebble pebble) throws Exception {
        var https = freePort();
        writeProject(pebble, https);
        var classPath = build();

        var log = project.resolve("app.log");
        var app = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                classPath, "Main").directory(project.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            var trust = TlsClient.trusting(pebble.root());
            var issued = awaitServedSerial(trust, https, null, app, log);
            var page = Curl.get(URI.create("https://shop.test:" + https + "/"), pebble.rootFile());
            assertThat(page.exitCode()).as(page.error()).isZero();
            assertThat(page.body()).isEqualTo("hello over HTTPS");

            var renewed = awaitServedSerial(trust, https, issued, app, log);
            assertThat(renewed).isNotEqualTo(issued);
            assertThat(app.isAlive()).as("the same process").isTrue();
            assertThat(Files.readString(log)).contains("Renewed certificate shop")
                    .doesNotContain("closed CertificateManager");
        } finally {
            app.destroy();
            assertThat(app.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    private void writeProject(Pebble pebble, int https) throws IOException {
        var block = Readme.block("java", "SSLContext tls = manager.sslContext();");
        block = Readme.replace(block, "CertificateAuthority.LETS_ENCRYPT_STAGING", "CertificateAuthority.of(\""
                + pebble.directory() + "\").withTrustedCertificates(Path.of(\"" + pebble.listenerCaFile() + "\"))");
        block = Readme.replace(block, "\"shop.example.com\", \"www.shop.example.com\"",
                "\"shop.test\", \"www.shop.test\"");
        block = Readme.replace(block, "Path.of(\"/var/lib/myapp/certpilot\")", "Path.of(\"storage\")");
        block = Readme.replace(block, "// ... start your HTTPS server with `tls`", """
                var server = HttpsServer.create(new InetSocketAddress("127.0.0.1", %d), 0);
                server.setHttpsConfigurator(new HttpsConfigurator(tls));
                server.createContext("/", exchange -> respond(exchange, 200, "hello over HTTPS"));
                server.start();
                var plain = HttpServer.create(new InetSocketAddress("127.0.0.1", %d), 0);
                plain.createContext("/.well-known/acme-challenge/", exchange -> {
                    var host = exchange.getRequestHeaders().getFirst("Host").replaceFirst(":\\\\d+$", "");
                    var token = exchange.getRequestURI().getPath().substring(28);
                    var answer = http01.keyAuthorization(host, token);
                    respond(exchange, answer.isPresent() ? 200 : 404, answer.orElse(""));
                });
                plain.start();
                //""".formatted(https, pebble.httpPort()));
        var main = """
                import java.net.InetSocketAddress;
                import java.nio.charset.StandardCharsets;
                import java.nio.file.Path;
                import java.time.Duration;
                import javax.net.ssl.SSLContext;
                import com.sun.net.httpserver.HttpExchange;
                import com.sun.net.httpserver.HttpServer;
                import com.sun.net.httpserver.HttpsConfigurator;
                import com.sun.net.httpserver.HttpsServer;
                import dev.certpilot.core.CertificateAuthority;
                import dev.certpilot.core.CertificateManager;
                import dev.certpilot.core.InMemoryHttp01Responder;

                public class Main {
                    public static void main(String[] args) throws Exception {
                %s
                    }

                    static void respond(HttpExchange exchange, int status, String body) throws java.io.IOException {
                        var bytes = body.getBytes(StandardCharsets.UTF_8);
                        exchange.getResponseHeaders().set("Content-Type", "text/plain");
                        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
                        exchange.getResponseBody().write(bytes);
                        exchange.close();
                    }
                }
                """.formatted(block.indent(8));
        Files.createDirectories(project.resolve("src/main/java"));
        Files.writeString(project.resolve("src/main/java/Main.java"), main);
        Files.writeString(project.resolve("pom.xml"), """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>example</groupId>
                  <artifactId>quick-start</artifactId>
                  <version>1</version>
                  <properties>
                    <maven.compiler.release>17</maven.compiler.release>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                  </properties>
                  <dependencies>
                    <dependency>
                      <groupId>dev.certpilot</groupId>
                      <artifactId>acme-core</artifactId>
                      <version>0.1.0-SNAPSHOT</version>
                    </dependency>
                    <dependency>
                      <groupId>org.slf4j</groupId>
                      <artifactId>slf4j-simple</artifactId>
                      <version>2.0.17</version>
                    </dependency>
                  </dependencies>
                  <build>
                    <plugins>
                      <plugin>
                        <artifactId>maven-resources-plugin</artifactId>
                        <version>3.5.0</version>
                      </plugin>
                      <plugin>
                        <artifactId>maven-compiler-plugin</artifactId>
                        <version>3.14.1</version>
                      </plugin>
                      <plugin>
                        <artifactId>maven-dependency-plugin</artifactId>
                        <version>3.11.0</version>
                      </plugin>
                    </plugins>
                  </build>
                </project>
                """);
    }

    /** Builds the project with Maven from the local repository; returns the class path to run it. */
    private String build() throws Exception {
        var output = project.resolve("mvn.log");
        var maven = new ProcessBuilder("mvn", "-B", "-q", "-o", "compile", "dependency:build-classpath",
                "-Dmdep.outputFile=classpath.txt").directory(project.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        assertThat(maven.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(maven.exitValue()).as(Files.readString(output)).isZero();
        return project.resolve("target/classes") + java.io.File.pathSeparator
                + Files.readString(project.resolve("classpath.txt")).trim();
    }

    private static BigInteger awaitServedSerial(SSLContext trust, int port, BigInteger previous, Process app,
                                                Path log) throws Exception {
        var deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline && app.isAlive()) {
            try (var client = TlsClient.connect(trust, port, "shop.test")) {
                var serial = client.leaf().getSerialNumber();
                if (!serial.equals(previous)) {
                    return serial;
                }
            } catch (IOException notYet) {
                // not listening yet, or the bootstrap certificate
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the quick start never served a " + (previous == null ? "" : "new ")
                + "certificate of Pebble's:\n" + Files.readString(log));
    }

    private static int freePort() throws IOException {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

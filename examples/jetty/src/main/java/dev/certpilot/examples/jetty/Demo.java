package dev.certpilot.examples.jetty;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import dev.certpilot.core.CertificateEvent;
import dev.certpilot.core.SerialNumbers;
import dev.certpilot.test.LoopbackPorts;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.TlsClient;

/**
 * The one-command demo: starts Pebble (Let's Encrypt's test CA) on loopback, runs {@link JettyExample} against it
 * for a demo domain, proves the certificate with a real HTTPS request verified against Pebble's root, forces a
 * renewal and shows the new serial served by the same process, then keeps serving until Ctrl-C, which stops
 * everything.
 */
public final class Demo implements AutoCloseable {

    static final String DOMAIN = "demo.certpilot.test";
    private static final Pattern CONNECTION = Pattern.compile("<p id=\"connection\">[^<]*serial ([0-9A-F]+)</p>");

    private final Pebble pebble;
    private final JettyExample example;
    private final Path storage;

    private Demo(Pebble pebble, JettyExample example, Path storage) {
        this.pebble = pebble;
        this.example = example;
        this.storage = storage;
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("--pebble-only")) {
            var pebble = pebbleOnly(System.out);
            Runtime.getRuntime().addShutdownHook(new Thread(pebble::close, "shutdown"));
            Thread.currentThread().join();
            return;
        }
        if (args.length > 0) {
            System.err.println("Unknown argument " + String.join(" ", args) + "; use no argument for the demo, or "
                    + "--pebble-only to start Pebble alone for your own application");
            System.exit(2);
        }
        var demo = run(System.out);
        Runtime.getRuntime().addShutdownHook(new Thread(demo::close, "shutdown"));
        System.out.println();
        System.out.println("Still serving and renewing. Press Ctrl-C to stop Jetty, the manager and Pebble.");
        Thread.currentThread().join();
    }

    /**
     * Starts Pebble alone, for trying an application of one's own by hand, and prints exactly what to configure:
     * the CA, the file that makes its TLS trusted, the ports it validates against, where names resolve and the
     * root to give curl. Returns with Pebble running.
     */
    static Pebble pebbleOnly(PrintStream out) throws Exception {
        var pebble = Pebble.builder().start();
        var root = pebble.rootFile();
        out.println("Pebble, Let's Encrypt's test CA, runs on loopback until Ctrl-C. Point your application at it:");
        out.println();
        out.println("  ACME directory          " + pebble.directory());
        out.println("  its TLS, trusted by     " + pebble.listenerCaFile() + "   (the CA's own HTTPS certificate)");
        out.println("  HTTP-01 validated on    127.0.0.1:" + pebble.httpPort()
                + "   (your plain-HTTP port must be this)");
        out.println("  TLS-ALPN-01 validated on 127.0.0.1:" + pebble.tlsPort()
                + "  (your HTTPS port, for tls-alpn-01)");
        out.println("  names resolve to        127.0.0.1, any name: use names such as shop.test");
        out.println("  issued certificates     chain to " + root + "   (give it to curl: --cacert)");
        out.println();
        out.println("Spring Boot (application.properties or arguments):");
        out.println("  certpilot.ca=" + pebble.directory());
        out.println("  certpilot.ca-trust=" + pebble.listenerCaFile());
        out.println("  certpilot.accept-terms=true");
        out.println("  certpilot.http-port=" + pebble.httpPort());
        out.println("Standalone Tomcat (CertpilotListener attributes):");
        out.println("  ca=\"" + pebble.directory() + "\" caTrust=\"" + pebble.listenerCaFile()
                + "\" acceptTerms=\"true\"   and the plain connector on port " + pebble.httpPort());
        out.println("Java:");
        out.println("  CertificateAuthority.of(\"" + pebble.directory() + "\")");
        out.println("          .withTrustedCertificates(Path.of(\"" + pebble.listenerCaFile() + "\"))");
        out.println();
        out.println("Then: curl --cacert " + root + " --resolve shop.test:8443:127.0.0.1 https://shop.test:8443/");
        return pebble;
    }

    /** Runs every step of the demo, printing them to {@code out}; returns with everything still running. */
    static Demo run(PrintStream out) throws Exception {
        step(out, "1. Starting Pebble, Let's Encrypt's test CA, on loopback");
        var pebble = Pebble.builder().start();
        out.println("   ACME directory " + pebble.directory());
        Path storage = null;
        JettyExample example = null;
        try {
            storage = Files.createTempDirectory("certpilot-demo");
            var options = new Options(List.of(DOMAIN), pebble.directory(), pebble.listenerCaFile(), null, storage.toString(),
                    "127.0.0.1", pebble.httpPort(), freePort(), 0, false, Options.DEFAULT_HSTS, "http-01",
                Options.DEFAULT_LEASE, null, null, List.of(), null, null, null, List.of(), null);
            step(out, "2. Starting the embedded Jetty example for " + DOMAIN + " (HTTP-01 on port " + pebble.httpPort()
                    + ", HTTPS on port " + options.httpsPort() + ", storage " + storage + ")");
            example = JettyExample.start(options);
            var manager = example.manager();
            manager.addListener(event -> out.println("   event: " + describe(event)));
            step(out, "3. Waiting for the certificate: account, order, HTTP-01 challenge answered by the app, issuance");
            manager.awaitCertificates(Duration.ofSeconds(60));
            out.printf("   Served %.2f s after the JVM started (Pebble's start included)%n",
                    ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0);

            var url = URI.create("https://" + DOMAIN + ":" + example.httpsPort() + "/");
            step(out, "4. A real HTTPS request to " + url + " as browsers make it (HTTP/2 offered through ALPN), "
                    + "chain verified against Pebble's root");
            var root = pebble.rootFile();
            var trust = TlsClient.trusting(pebble.root());
            var first = fetch(out, trust, url);

            step(out, "5. Forcing a renewal while the server keeps running");
            manager.renewNow(DOMAIN);
            var second = fetch(out, trust, url);
            out.println(second.equals(first) ? "   !! the serial did not change"
                    : "   The same process now serves serial " + second + " (was " + first + "): no restart");
            out.println();
            out.println("   Try it yourself:  curl --cacert " + root + " --resolve " + DOMAIN + ":" + example.httpsPort()
                    + ":127.0.0.1 " + url);
            return new Demo(pebble, example, storage);
        } catch (Exception | Error e) {
            if (example != null) {
                example.close();
            }
            pebble.close();
            deleteRecursively(storage);
            throw e;
        }
    }

    /** Stops the example, then Pebble, and deletes the demo's storage with its private keys. Idempotent. */
    @Override
    public void close() {
        example.close();
        pebble.close();
        deleteRecursively(storage);
    }

    Path storage() {
        return storage;
    }

    JettyExample example() {
        return example;
    }

    Pebble pebble() {
        return pebble;
    }

    /**
     * GETs the page with Jetty's HTTP client, which offers h2 and http/1.1 through ALPN as browsers do, trusting
     * only {@code trust}; returns the serial of the certificate the connection was given, as the page shows it.
     */
    private static String fetch(PrintStream out, SSLContext trust, URI url) throws Exception {
        var tls = new SslContextFactory.Client();
        tls.setSslContext(trust);
        var connector = new ClientConnector();
        connector.setSslContextFactory(tls);
        var client = new HttpClient(new HttpClientTransportDynamic(connector,
                new ClientConnectionFactoryOverHTTP2.HTTP2(new HTTP2Client(connector)),
                HttpClientConnectionFactory.HTTP11));
        var loopback = InetAddress.getByAddress(DOMAIN, new byte[] {127, 0, 0, 1});
        client.setSocketAddressResolver((host, port, context, promise) -> promise.succeeded(List.of(
                new InetSocketAddress(loopback, port))));
        client.start();
        try {
            var response = client.GET(url);
            var page = response.getContentAsString();
            var connection = CONNECTION.matcher(page);
            if (response.getStatus() != 200 || !connection.find()) {
                throw new IllegalStateException("Unexpected answer " + response.getStatus() + ": " + page);
            }
            out.println("   " + response.getVersion() + " " + response.getStatus() + ": the page says \""
                    + connection.group(0).replaceAll("<[^>]+>", "") + "\"");
            return connection.group(1);
        } finally {
            client.stop();
        }
    }

    private static String describe(CertificateEvent event) {
        if (event instanceof CertificateEvent.Obtaining e) {
            return (e.renewal() ? "renewing " : "obtaining ") + e.domains() + " from " + e.certificateAuthority();
        } else if (event instanceof CertificateEvent.Obtained e) {
            return "obtained serial " + SerialNumbers.hex(e.certificate().serialNumber());
        } else if (event instanceof CertificateEvent.Renewed e) {
            return "renewed: serial " + SerialNumbers.hex(e.certificate().serialNumber()) + " replaces "
                    + SerialNumbers.hex(e.previousSerial());
        } else if (event instanceof CertificateEvent.Failed e) {
            return "failed (attempt " + e.attempt() + "): " + e.cause().getMessage();
        }
        return event.toString();
    }

    private static void step(PrintStream out, String text) {
        out.println();
        out.println("== " + text);
    }

    private static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        } catch (IOException e) {
            System.err.println("Could not delete the demo's storage " + dir + ": " + e);
        }
    }

    private static int freePort() throws IOException {
        return LoopbackPorts.free();
    }
}

package dev.certpilot.examples.jetty;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;

import dev.certpilot.core.CertificateEvent;
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

    private final Pebble pebble;
    private final JettyExample example;

    private Demo(Pebble pebble, JettyExample example) {
        this.pebble = pebble;
        this.example = example;
    }

    public static void main(String[] args) throws Exception {
        var demo = run(System.out);
        Runtime.getRuntime().addShutdownHook(new Thread(demo::close, "shutdown"));
        System.out.println();
        System.out.println("Still serving and renewing. Press Ctrl-C to stop Jetty, the manager and Pebble.");
        Thread.currentThread().join();
    }

    /** Runs every step of the demo, printing them to {@code out}; returns with everything still running. */
    static Demo run(PrintStream out) throws Exception {
        step(out, "1. Starting Pebble, Let's Encrypt's test CA, on loopback");
        var pebble = Pebble.builder().start();
        out.println("   ACME directory " + pebble.directory());
        try {
            var storage = Files.createTempDirectory("certpilot-demo");
            var options = new Options(List.of(DOMAIN), pebble.directory(), pebble.listenerCaFile(), null, storage,
                    pebble.httpPort(), freePort(), "http-01");
            step(out, "2. Starting the embedded Jetty example for " + DOMAIN + " (HTTP-01 on port " + pebble.httpPort()
                    + ", HTTPS on port " + options.httpsPort() + ", storage " + storage + ")");
            var example = JettyExample.start(options);
            var manager = example.manager();
            manager.addListener(event -> out.println("   event: " + describe(event)));
            step(out, "3. Waiting for the certificate: account, order, HTTP-01 challenge answered by the app, issuance");
            manager.awaitCertificates(Duration.ofSeconds(60));

            step(out, "4. A real HTTPS request to https://" + DOMAIN + ":" + example.httpsPort()
                    + "/, chain verified against Pebble's root");
            var first = fetch(out, pebble, example);

            step(out, "5. Forcing a renewal while the server keeps running");
            manager.renewNow(DOMAIN);
            var second = fetch(out, pebble, example);
            out.println(second.equals(first) ? "   !! the serial did not change"
                    : "   The same process now serves serial " + second + " (was " + first + "): no restart");
            return new Demo(pebble, example);
        } catch (Exception | Error e) {
            pebble.close();
            throw e;
        }
    }

    /** Stops the example, then Pebble. Idempotent. */
    @Override
    public void close() {
        example.close();
        pebble.close();
    }

    JettyExample example() {
        return example;
    }

    Pebble pebble() {
        return pebble;
    }

    private static String fetch(PrintStream out, Pebble pebble, JettyExample example) throws Exception {
        try (var client = TlsClient.connect(TlsClient.trusting(pebble.root()), example.httpsPort(), DOMAIN)) {
            var leaf = client.leaf();
            var page = client.get(DOMAIN, "/");
            var serial = leaf.getSerialNumber().toString(16);
            out.println("   HTTP 200 over " + client.socket().getSession().getProtocol() + ", certificate serial " + serial
                    + ", issued by " + leaf.getIssuerX500Principal().getName() + ", valid until "
                    + leaf.getNotAfter().toInstant());
            if (!page.contains(serial)) {
                throw new IllegalStateException("The page does not show the served serial " + serial + ": " + page);
            }
            return serial;
        }
    }

    private static String describe(CertificateEvent event) {
        if (event instanceof CertificateEvent.Obtaining e) {
            return (e.renewal() ? "renewing " : "obtaining ") + e.domains() + " from " + e.certificateAuthority();
        } else if (event instanceof CertificateEvent.Obtained e) {
            return "obtained serial " + e.certificate().serialNumber().toString(16);
        } else if (event instanceof CertificateEvent.Renewed e) {
            return "renewed: serial " + e.certificate().serialNumber().toString(16) + " replaces "
                    + e.previousSerial().toString(16);
        } else if (event instanceof CertificateEvent.Failed e) {
            return "failed (attempt " + e.attempt() + "): " + e.cause().getMessage();
        }
        return event.toString();
    }

    private static void step(PrintStream out, String text) {
        out.println();
        out.println("== " + text);
    }

    private static int freePort() throws IOException {
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}

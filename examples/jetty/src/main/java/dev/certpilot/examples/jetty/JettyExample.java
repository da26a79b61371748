package dev.certpilot.examples.jetty;

import java.net.BindException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

import org.eclipse.jetty.server.Server;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.Hsts;
import dev.certpilot.core.FileCertificateStore;
import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.core.InMemoryTlsAlpn01Responder;
import dev.certpilot.dns.rfc2136.Rfc2136Dns01Responder;
import dev.certpilot.core.ManagedCertificate;
import dev.certpilot.core.Notifications;
import dev.certpilot.core.OnDemandDecision;
import dev.certpilot.core.OnDemandTls;
import dev.certpilot.core.Preflight;
import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.Notifier;
import dev.certpilot.jdbc.JdbcCertificateStore;
import dev.certpilot.jetty.JettyHttps;

/**
 * An embedded Jetty application with automatic HTTPS: it obtains certificates for its domains, serves a page
 * showing the certificate it serves, and keeps running, renewing on its own. Copy it. Run with {@code --help}
 * for its flags.
 */
public final class JettyExample implements AutoCloseable {

    private static final Pattern BOUND_PORT = Pattern.compile(":(\\d+)$");

    private final Server server;
    private final CertificateManager manager;
    private final JettyHttps https;
    /** The database store, whose pool is closed after the manager; null with the file store. */
    private final JdbcCertificateStore database;
    /** What {@code /ready} answers: true from a started manager to the start of the shutdown. */
    private final AtomicBoolean ready;

    private JettyExample(Server server, CertificateManager manager, JettyHttps https, AtomicBoolean ready,
                         JdbcCertificateStore database) {
        this.database = database;
        this.server = server;
        this.manager = manager;
        this.https = https;
        this.ready = ready;
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.print(Options.USAGE);
            return;
        }
        var arguments = new java.util.ArrayList<>(List.of(args));
        var check = arguments.remove("--check");
        Options options;
        Preflight preflight;
        try {
            options = Options.parse(arguments.toArray(String[]::new), System.getenv());
            preflight = check ? checkSettings(System.getenv()) : null;
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(Options.USAGE);
            System.exit(2);
            return;
        }
        if (check) {
            try {
                System.exit(check(options, preflight, System.out) ? 0 : 1);
            } catch (Exception e) {
                System.err.println(startupError(options, e));
                System.exit(1);
            }
            return;
        }
        JettyExample example;
        try {
            example = start(options);
        } catch (Exception e) {
            System.err.println(startupError(options, e));
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(example::close, "shutdown"));
        example.server.join();
    }

    /**
     * {@code --check}: serves the challenge ports, checks every domain as the CA will (DNS, CAA, each challenge type),
     * prints each finding with its fix, and stops; orders nothing.
     *
     * @return whether the CA would accept every domain
     */
    static boolean check(Options options, Preflight preflight, PrintStream out) throws Exception {
        if (options.domains().isEmpty()) {
            throw new IllegalArgumentException("--check checks the --domain names (on-demand names are checked "
                    + "before their first order)");
        }
        try (var example = start(options, preflight)) {
            var ready = true;
            for (var certificate : example.manager.managedCertificates()) {
                var report = example.manager.preflight(certificate.name());
                out.println(report.text());
                ready &= report.passed();
            }
            out.println(ready ? "Ready: the CA should accept " + options.domains()
                    : "Not ready: fix what FAILED above, then run --check again; no order was placed");
            return ready;
        }
    }

    /**
     * The preflight of {@code --check}: the CA's ports (80 and 443), or a test CA's from CERTPILOT_CHECK_HTTP_PORT and
     * CERTPILOT_CHECK_TLS_PORT; DNS through the system's resolver, or CERTPILOT_CHECK_RESOLVER (HOST:PORT).
     */
    static Preflight checkSettings(Map<String, String> environment) {
        var settings = Preflight.builder().mode(Preflight.Mode.ON);
        var http = environment.get("CERTPILOT_CHECK_HTTP_PORT");
        var tls = environment.get("CERTPILOT_CHECK_TLS_PORT");
        var resolver = environment.get("CERTPILOT_CHECK_RESOLVER");
        try {
            if (http != null) {
                settings.httpPort(Integer.parseInt(http.trim()));
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("CERTPILOT_CHECK_HTTP_PORT must be a port, 1 to 65535, got '" + http
                    + "'", e);
        }
        try {
            if (tls != null) {
                settings.tlsPort(Integer.parseInt(tls.trim()));
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("CERTPILOT_CHECK_TLS_PORT must be a port, 1 to 65535, got '" + tls
                    + "'", e);
        }
        if (resolver != null) {
            var address = Options.address(resolver, "CERTPILOT_CHECK_RESOLVER");
            settings.resolver(new InetSocketAddress(address.getHostString(), address.getPort()));
        }
        return settings.build();
    }

    /** The RFC 2136 responder of {@code --challenge dns-01}, its faults named by flag. */
    static Rfc2136Dns01Responder dns01(Options.DnsUpdate update) {
        var server = new InetSocketAddress(update.server().getHostString(), update.server().getPort());
        var dns = Rfc2136Dns01Responder.builder(server);
        if (update.keyName() != null) {
            try {
                dns.tsigKey(update.keyName(), update.key()).tsigAlgorithm(update.algorithm());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--tsig-key-name, --tsig-key, --tsig-algorithm: " + e.getMessage(), e);
            }
        }
        if (update.resolver() != null) {
            var resolver = new InetSocketAddress(update.resolver().getHostString(), update.resolver().getPort());
            dns.resolver(resolver).nameserverPort(resolver.getPort());
        }
        return dns.build();
    }

    /** What went wrong at start, in a sentence that names the flag to change; no stack trace. */
    static String startupError(Options options, Exception failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof BindException bind) {
                var port = BOUND_PORT.matcher(String.valueOf(failure.getMessage()));
                var flag = !port.find() ? "--http-port " + options.httpPort() + " or --https-port " + options.httpsPort()
                        : Integer.parseInt(port.group(1)) == options.httpPort() ? "--http-port " + options.httpPort()
                        : "--https-port " + options.httpsPort();
                var reason = String.valueOf(bind.getMessage());
                return "Cannot listen on " + flag + (options.host() == null ? "" : " at --host " + options.host())
                        + ": " + reason + (reason.contains("ermission") ? ". Ports below 1024 need root or the "
                        + "CAP_NET_BIND_SERVICE capability; or choose another port"
                        : ". Stop what listens there or choose another port");
            }
        }
        return "Cannot start: " + (failure.getMessage() == null ? failure.toString() : failure.getMessage());
    }

    /** Starts the server and the manager; certificates arrive in the background. */
    static JettyExample start(Options options) throws Exception {
        return start(options, null);
    }

    /** Starts the server, and the manager unless {@code check} is given: then the preflight's settings. */
    private static JettyExample start(Options options, Preflight check) throws Exception {
        var ca = CertificateAuthority.of(options.acmeDirectory().toString());
        if (options.acmeTrust() != null) {
            ca = ca.withTrustedCertificates(options.acmeTrust());
        }
        var database = options.jdbcStorage() ? database(options) : null;
        CertificateStore store = database != null ? database : new FileCertificateStore(Path.of(options.storage()));
        var builder = CertificateManager.builder()
                .certificateAuthorities(ca, options.fallbackCa() == null ? new CertificateAuthority[0]
                        : new CertificateAuthority[] {options.fallbackCa()})
                .agreeToTermsOfService()
                .store(store)
                .leaseDuration(options.leaseDuration());
        if (!options.domains().isEmpty()) {
            builder.certificate(ManagedCertificate.of(options.domains().toArray(String[]::new)));
        }
        if (options.onDemand()) {
            // never open: only the names under the given suffixes, or those the ask endpoint allows
            OnDemandDecision decision = name -> false;
            if (!options.onDemandAllow().isEmpty()) {
                decision = decision.or(OnDemandDecision.suffixes(options.onDemandAllow().toArray(String[]::new)));
            }
            if (options.onDemandAsk() != null) {
                decision = decision.or(OnDemandDecision.ask(options.onDemandAsk()));
            }
            builder.onDemand(OnDemandTls.allowedBy(decision));
        }
        if (options.email() != null) {
            builder.email(options.email());
        }
        if (check != null) {
            builder.preflight(check);
        }
        if (!options.notifiers().isEmpty()) {
            builder.notifications(Notifications.to(options.notifiers().toArray(Notifier[]::new)));
        }
        var http01 = new InMemoryHttp01Responder();
        var tlsAlpn = new InMemoryTlsAlpn01Responder();
        builder.challenges(switch (options.challenge()) {
            case "tls-alpn-01" -> tlsAlpn;
            case "dns-01" -> dns01(options.dnsUpdate());
            default -> http01;
        });
        var manager = builder.build();

        var server = new Server();
        var httpsBuilder = JettyHttps.builder(manager).httpsPort(options.httpsPort());
        if (!options.hstsMaxAge().isZero()) {
            httpsBuilder.hsts(Hsts.maxAge(options.hstsMaxAge()));
        }
        if (options.host() != null) {
            httpsBuilder.host(options.host());
        }
        if (options.redirectPort() > 0) {
            httpsBuilder.redirectPort(options.redirectPort());
        }
        if (options.trustForwardedHeaders()) {
            httpsBuilder.trustForwardedHeaders();
        }
        if (options.httpPort() >= 0) {   // with tls-alpn-01 and dns-01, plain HTTP still redirects to HTTPS
            httpsBuilder.http01(http01).httpPort(options.httpPort());
        }
        var ready = new AtomicBoolean();
        var https = httpsBuilder.install(server, new StatusPage(manager, ready::get));
        try {
            server.start();
            if (check == null) {
                manager.start();    // stored certificates at once; a bootstrap certificate until the first arrives
            }
        } catch (Exception | Error e) {
            server.stop();
            manager.close();
            if (database != null) {
                database.close();
            }
            throw e;
        }
        ready.set(true);
        return new JettyExample(server, manager, https, ready, database);
    }

    /** The PostgreSQL store of {@code --storage}, encrypting private keys with the storage key if one is given. */
    private static JdbcCertificateStore database(Options options) {
        var store = JdbcCertificateStore.builder(options.storage(), options.databaseUser(), options.databasePassword());
        if (options.storageKey() != null) {
            store.encryptPrivateKeys(options.storageKey());
        }
        return store.build();
    }

    CertificateManager manager() {
        return manager;
    }

    int httpsPort() {
        return https.httpsConnector().getLocalPort();
    }

    /** The HTTP connector's port, or -1 without one ({@code --http-port none}). */
    int httpPort() {
        return https.httpConnector() == null ? -1 : https.httpConnector().getLocalPort();
    }

    /** Stops the server, then the manager. Certificates stay in storage. */
    @Override
    public void close() {
        ready.set(false);
        try {
            server.stop();
        } catch (Exception e) {
            System.err.println("Stopping Jetty: " + e);
        }
        manager.close();
        if (database != null) {
            database.close();
        }
    }
}

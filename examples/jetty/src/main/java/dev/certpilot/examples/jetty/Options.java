package dev.certpilot.examples.jetty;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.ManagedCertificate;
import dev.certpilot.core.OnDemandDecision;
import dev.certpilot.core.WebhookNotifier;
import dev.certpilot.core.spi.Notifier;
import dev.certpilot.mail.MailNotifier;

/**
 * The example's settings, from command-line flags, else the matching environment variables ({@code --acme-directory}
 * and {@code CERTPILOT_ACME_DIRECTORY}; {@code --domain} repeats, {@code CERTPILOT_DOMAIN} takes a comma-separated
 * list). Immutable.
 */
record Options(List<String> domains, URI acmeDirectory, Path acmeTrust, String email, String storage, String host,
               int httpPort, int httpsPort, int redirectPort, boolean trustForwardedHeaders, Duration hstsMaxAge,
               String challenge, Duration leaseDuration, String databaseUser, String databasePassword,
               List<String> onDemandAllow, URI onDemandAsk, DnsUpdate dnsUpdate, SecretKey storageKey,
               List<Notifier> notifiers, CertificateAuthority fallbackCa) {

    /**
     * Where {@code --challenge dns-01} sends its RFC 2136 updates, and the TSIG key that signs them.
     *
     * @param server    the primary name server of the zones
     * @param keyName   the TSIG key's name, or null for unsigned updates
     * @param key       its secret, base64
     * @param algorithm its algorithm, such as hmac-sha256
     * @param resolver  where SOA, NS and CNAME are looked up (and the port authoritative servers answer on), or null
     *                  for the system's resolver
     */
    record DnsUpdate(InetSocketAddress server, String keyName, String key, String algorithm,
                     InetSocketAddress resolver) {
    }

    /** HSTS for five minutes until HTTPS is known to work for every name; then raise it with --hsts-max-age. */
    static final Duration DEFAULT_HSTS = Duration.ofMinutes(5);

    /** How long an instance's lease on an order lasts unless renewed. */
    static final Duration DEFAULT_LEASE = Duration.ofMinutes(1);

    static final String USAGE = """
            Usage: jetty-example --domain NAME [--domain NAME ...] [options]
                   jetty-example --on-demand-allow SUFFIX | --on-demand-ask URL [options]
              --domain NAME           a domain to serve over HTTPS (repeatable)        CERTPILOT_DOMAIN (comma-separated)
              --on-demand-allow SUFFIX  on-demand TLS: a certificate is obtained at the first
                                      handshake for any name under SUFFIX, such as
                                      .customers.example.net (repeatable)         CERTPILOT_ON_DEMAND_ALLOW (comma-separated)
              --on-demand-ask URL     on-demand TLS for the names URL allows: GET URL?domain=NAME,
                                      200 allows, anything else or no answer denies  CERTPILOT_ON_DEMAND_ASK
              --acme-directory URL    the CA's directory (default: Let's Encrypt staging) CERTPILOT_ACME_DIRECTORY
              --acme-trust PEM        CA certificate of the ACME server's own TLS (test CAs) CERTPILOT_ACME_TRUST
              --fallback-ca NAME|URL  a second CA, tried after three failures in a row with the first:
                                      lets-encrypt, zerossl, or an ACME directory URL  CERTPILOT_FALLBACK_CA
                                      (ZeroSSL's EAB credentials in CERTPILOT_FALLBACK_EAB_KEY_ID and
                                      CERTPILOT_FALLBACK_EAB_HMAC_KEY, from its developer console)
              --email ADDRESS         contact address for the CA account              CERTPILOT_EMAIL
              --storage DIR|JDBC-URL  where certificates are kept: a directory (default: ./certpilot-data),
                                      or a database shared by several instances: jdbc:postgresql://host:port/db,
                                      jdbc:mariadb://host:port/db or jdbc:mysql://host:port/db  CERTPILOT_STORAGE
                                      (user and password in the URL, or in CERTPILOT_DB_USER, CERTPILOT_DB_PASSWORD)
              --storage-key-file FILE  database storage: encrypt private keys with the AES key
                                      in FILE, base64 (openssl rand -base64 32 > FILE) CERTPILOT_STORAGE_KEY_FILE
                                      (or the key itself, base64, in CERTPILOT_STORAGE_KEY)
              --lease-duration SECONDS  how long an instance's claim on an order lasts
                                      unless renewed (default 60)                 CERTPILOT_LEASE_DURATION
              --host ADDRESS          the address to listen on (default: all)         CERTPILOT_HOST
              --http-port PORT        HTTP port for HTTP-01 and redirects (default 80;   CERTPILOT_HTTP_PORT
                                      none: no plain HTTP, with tls-alpn-01 or dns-01)
              --https-port PORT       HTTPS port (default 443)                        CERTPILOT_HTTPS_PORT
              --redirect-port PORT    HTTPS port named in redirects, when a proxy or NAT
                                      listens on another one (default: --https-port)  CERTPILOT_REDIRECT_PORT
              --trust-forwarded-headers  behind a proxy that sets X-Forwarded-Proto/Forwarded:
                                      requests it got over HTTPS are served, not redirected
                                                                                      CERTPILOT_TRUST_FORWARDED_HEADERS=true
              --hsts-max-age SECONDS  HSTS max-age (default 300; 31536000 once HTTPS works
                                      for every name; 0 sends none)                   CERTPILOT_HSTS_MAX_AGE
              --challenge TYPE        http-01 (default), tls-alpn-01, or dns-01 (wildcards;
                                      RFC 2136 updates, see below)                CERTPILOT_CHALLENGE
              --dns-server HOST:PORT  dns-01: the zone's primary name server           CERTPILOT_DNS_SERVER
              --tsig-key-name NAME    dns-01: the TSIG key that signs updates         CERTPILOT_TSIG_KEY_NAME
              --tsig-key BASE64       dns-01: its secret, as tsig-keygen prints it    CERTPILOT_TSIG_KEY
              --tsig-algorithm ALG    dns-01: hmac-sha256 (default), hmac-sha512, ... CERTPILOT_TSIG_ALGORITHM
              --dns-resolver HOST:PORT  dns-01, private zones: where to look up SOA, NS and
                                      CNAME (default: the system's resolver)      CERTPILOT_DNS_RESOLVER
              --notify-webhook URL    tell a webhook (Slack, Teams, your own) when renewal
                                      fails or a certificate expires, and when it is over
                                                                                  CERTPILOT_NOTIFY_WEBHOOK
                                      (signed with the secret in CERTPILOT_NOTIFY_WEBHOOK_SECRET, if set)
              --notify-mail HOST:PORT  tell by mail, through this SMTP server (587: STARTTLS,
                                      465: SMTPS)                                 CERTPILOT_NOTIFY_MAIL
                                      (login from CERTPILOT_SMTP_USER and CERTPILOT_SMTP_PASSWORD, if set)
              --notify-mail-from ADDRESS  the sender                              CERTPILOT_NOTIFY_MAIL_FROM
              --notify-mail-to ADDRESS    a recipient (repeatable)                CERTPILOT_NOTIFY_MAIL_TO (comma-separated)
              --check                 check every --domain as the CA will (DNS, CAA, a probe of the
                                      challenge on ports 80 and 443 through whatever is in front),
                                      print what is wrong and the fix, and exit: 0 ready, 1 not;
                                      orders nothing. Run it with the same flags as the server,
                                      where it will run. (A test CA's ports: CERTPILOT_CHECK_HTTP_PORT,
                                      CERTPILOT_CHECK_TLS_PORT; its resolver: CERTPILOT_CHECK_RESOLVER)
            """;

    static final URI LETS_ENCRYPT_STAGING = URI.create("https://acme-staging-v02.api.letsencrypt.org/directory");

    /**
     * Parses {@code args} over {@code environment}.
     *
     * @throws IllegalArgumentException naming the flag and what it needs
     */
    static Options parse(String[] args, Map<String, String> environment) {
        var flags = new java.util.LinkedHashMap<String, List<String>>();
        for (int i = 0; i < args.length; i++) {
            var flag = args[i];
            if (flag.startsWith("--") && SWITCHES.contains(flag.substring(2))) {
                flags.computeIfAbsent(flag.substring(2), k -> new ArrayList<>()).add("true");
                continue;
            }
            if (!flag.startsWith("--") || !FLAGS.contains(flag.substring(2))) {
                throw new IllegalArgumentException("Unknown argument '" + flag + "'");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            flags.computeIfAbsent(flag.substring(2), k -> new ArrayList<>()).add(args[++i]);
        }
        var domains = flags.containsKey("domain") ? flags.get("domain")
                : split(environment.get("CERTPILOT_DOMAIN"));
        var onDemandAllow = flags.containsKey("on-demand-allow") ? flags.get("on-demand-allow")
                : split(environment.get("CERTPILOT_ON_DEMAND_ALLOW"));
        var ask = value(flags, environment, "on-demand-ask");
        if (domains.isEmpty() && onDemandAllow.isEmpty() && ask == null) {
            throw new IllegalArgumentException("Give at least one --domain (or CERTPILOT_DOMAIN), or on-demand TLS "
                    + "with --on-demand-allow SUFFIX or --on-demand-ask URL");
        }
        if (!domains.isEmpty()) {
            try {
                ManagedCertificate.of(domains.toArray(String[]::new));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--domain: " + e.getMessage(), e);
            }
        }
        try {
            OnDemandDecision.suffixes(onDemandAllow.toArray(String[]::new));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--on-demand-allow: " + e.getMessage(), e);
        }
        URI askUri = null;
        if (ask != null) {
            try {
                askUri = new URI(ask);
                OnDemandDecision.ask(askUri);
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw new IllegalArgumentException("--on-demand-ask: " + e.getMessage(), e);
            }
        }
        var directory = value(flags, environment, "acme-directory");
        var trust = value(flags, environment, "acme-trust");
        var storage = value(flags, environment, "storage");
        var challenge = value(flags, environment, "challenge");
        challenge = challenge == null ? "http-01" : challenge.toLowerCase(Locale.ROOT);
        if (!List.of("http-01", "tls-alpn-01", "dns-01").contains(challenge)) {
            throw new IllegalArgumentException("--challenge must be http-01, tls-alpn-01 or dns-01, got '" + challenge
                    + "'");
        }
        DnsUpdate dnsUpdate = null;
        var dnsServer = value(flags, environment, "dns-server");
        var keyName = value(flags, environment, "tsig-key-name");
        var key = value(flags, environment, "tsig-key");
        if (challenge.equals("dns-01")) {
            if (dnsServer == null) {
                throw new IllegalArgumentException("--challenge dns-01 needs --dns-server HOST:PORT (or "
                        + "CERTPILOT_DNS_SERVER): the primary name server of your zone, which accepts RFC 2136 updates");
            }
            if ((keyName == null) != (key == null)) {
                throw new IllegalArgumentException("Give both --tsig-key-name and --tsig-key (or neither, for a server "
                        + "that accepts unsigned updates from this address)");
            }
            var resolver = value(flags, environment, "dns-resolver");
            dnsUpdate = new DnsUpdate(address(dnsServer, "--dns-server"), keyName, key,
                    Objects.requireNonNullElse(value(flags, environment, "tsig-algorithm"), "hmac-sha256"),
                    resolver == null ? null : address(resolver, "--dns-resolver"));
        } else if (dnsServer != null || keyName != null || key != null) {
            throw new IllegalArgumentException("--dns-server and --tsig-key* go with --challenge dns-01");
        }
        var trustForwarded = value(flags, environment, "trust-forwarded-headers");
        if (trustForwarded != null && !trustForwarded.equalsIgnoreCase("true")
                && !trustForwarded.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException("CERTPILOT_TRUST_FORWARDED_HEADERS must be true or false, got '"
                    + trustForwarded + "'");
        }
        var httpPort = value(flags, environment, "http-port");
        if ("none".equalsIgnoreCase(httpPort) && challenge.equals("http-01")) {
            throw new IllegalArgumentException("--http-port none leaves no plain HTTP port, but --challenge http-01 "
                    + "(the default) is answered there; give a port, or --challenge tls-alpn-01 or dns-01");
        }
        var redirect = value(flags, environment, "redirect-port");
        return new Options(List.copyOf(domains), directory == null ? LETS_ENCRYPT_STAGING : uri(directory),
                trust == null ? null : Path.of(trust), value(flags, environment, "email"),
                storage(storage), value(flags, environment, "host"),
                "none".equalsIgnoreCase(httpPort) ? -1 : port(httpPort, 80, "--http-port"),
                port(value(flags, environment, "https-port"), 443, "--https-port"),
                redirect == null ? 0 : port(redirect, 0, "--redirect-port"),
                Boolean.parseBoolean(trustForwarded), hsts(value(flags, environment, "hsts-max-age")), challenge,
                seconds(value(flags, environment, "lease-duration"), DEFAULT_LEASE.toSeconds(), 3, "--lease-duration"),
                environment.get("CERTPILOT_DB_USER"), environment.get("CERTPILOT_DB_PASSWORD"),
                List.copyOf(onDemandAllow), askUri, dnsUpdate, storageKey(flags, environment, storage),
                notifiers(flags, environment), fallbackCa(flags, environment));
    }

    /** The CA of --fallback-ca, with the External Account Binding of the environment; null without one. */
    private static CertificateAuthority fallbackCa(Map<String, List<String>> flags, Map<String, String> environment) {
        var name = value(flags, environment, "fallback-ca");
        if (name == null) {
            return null;
        }
        try {
            var ca = CertificateAuthority.named(name.trim());
            var keyId = environment.get("CERTPILOT_FALLBACK_EAB_KEY_ID");
            var hmacKey = environment.get("CERTPILOT_FALLBACK_EAB_HMAC_KEY");
            if (keyId != null && hmacKey != null) {
                return ca.withExternalAccountBinding(keyId.trim(), hmacKey.trim());
            }
            if (ca.equals(CertificateAuthority.ZEROSSL)) {
                throw new IllegalArgumentException("ZeroSSL requires External Account Binding: set "
                        + "CERTPILOT_FALLBACK_EAB_KEY_ID and CERTPILOT_FALLBACK_EAB_HMAC_KEY from its developer "
                        + "console");
            }
            return ca;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--fallback-ca: " + e.getMessage(), e);
        }
    }

    /** The notifiers of --notify-webhook and --notify-mail, checked here so that a fault names its flag. */
    private static List<Notifier> notifiers(Map<String, List<String>> flags, Map<String, String> environment) {
        var notifiers = new ArrayList<Notifier>();
        var webhook = value(flags, environment, "notify-webhook");
        if (webhook != null) {
            try {
                var builder = WebhookNotifier.builder(new URI(webhook));
                var secret = environment.get("CERTPILOT_NOTIFY_WEBHOOK_SECRET");
                if (secret != null && !secret.isBlank()) {
                    builder.secret(secret.trim());
                }
                notifiers.add(builder.build());
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw new IllegalArgumentException("--notify-webhook: " + e.getMessage(), e);
            }
        }
        var mail = value(flags, environment, "notify-mail");
        var to = flags.containsKey("notify-mail-to") ? flags.get("notify-mail-to")
                : split(environment.get("CERTPILOT_NOTIFY_MAIL_TO"));
        var from = value(flags, environment, "notify-mail-from");
        if (mail == null) {
            if (from != null || !to.isEmpty()) {
                throw new IllegalArgumentException("--notify-mail-from and --notify-mail-to go with --notify-mail "
                        + "HOST:PORT, the SMTP server that sends the mail");
            }
            return List.copyOf(notifiers);
        }
        var server = address(mail, "--notify-mail");
        var builder = MailNotifier.builder(server.getHostString(), server.getPort());
        var user = environment.get("CERTPILOT_SMTP_USER");
        if (user != null && !user.isBlank()) {
            builder.credentials(user.trim(), Objects.requireNonNullElse(environment.get("CERTPILOT_SMTP_PASSWORD"),
                    ""));
        }
        try {
            builder.from(from);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--notify-mail-from: " + e.getMessage(), e);
        }
        try {
            notifiers.add(builder.to(to.toArray(String[]::new)).build());
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IllegalArgumentException("--notify-mail-to: " + e.getMessage(), e);
        }
        return List.copyOf(notifiers);
    }

    /**
     * The AES key that encrypts private keys in database storage, from {@code --storage-key-file} or
     * {@code CERTPILOT_STORAGE_KEY}; null for none. Never echoed in a message.
     */
    private static SecretKey storageKey(Map<String, List<String>> flags, Map<String, String> environment,
                                        String storage) {
        var file = value(flags, environment, "storage-key-file");
        var inline = environment.get("CERTPILOT_STORAGE_KEY");
        if (file == null && (inline == null || inline.isBlank())) {
            return null;
        }
        if (file != null && inline != null && !inline.isBlank()) {
            throw new IllegalArgumentException("Give the storage key once: --storage-key-file (or "
                    + "CERTPILOT_STORAGE_KEY_FILE) or CERTPILOT_STORAGE_KEY, not both");
        }
        var source = file != null ? "--storage-key-file " + file : "CERTPILOT_STORAGE_KEY";
        if (storage == null || !storage.startsWith("jdbc:")) {
            throw new IllegalArgumentException(source + " encrypts private keys in database storage, but --storage "
                    + "is a directory, where keys are files only their owner can read (mode 0600); leave the key out, "
                    + "or store in a database");
        }
        String text;
        try {
            text = file != null ? Files.readString(Path.of(file)).trim() : inline.trim();
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read " + source + ": " + e.getMessage(), e);
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            bytes = new byte[0];
        }
        if (bytes.length != 16 && bytes.length != 32) {
            throw new IllegalArgumentException(source + " must hold an AES key of 128 or 256 bits in base64, as "
                    + "openssl rand -base64 32 makes one");
        }
        return new SecretKeySpec(bytes, "AES");
    }

    /** Whether on-demand TLS is on. */
    boolean onDemand() {
        return !onDemandAllow.isEmpty() || onDemandAsk != null;
    }

    /** Whether the storage is a database URL rather than a directory. */
    boolean jdbcStorage() {
        return storage.startsWith("jdbc:");
    }

    private static String storage(String value) {
        if (value == null) {
            return "certpilot-data";
        }
        if (value.startsWith("jdbc:") && !value.startsWith("jdbc:postgresql://") && !value.startsWith("jdbc:mariadb://")
                && !value.startsWith("jdbc:mysql://")) {
            throw new IllegalArgumentException("--storage: the databases are PostgreSQL, MariaDB and MySQL, as "
                    + "jdbc:postgresql://host:port/database, jdbc:mariadb://host:port/database or "
                    + "jdbc:mysql://host:port/database; got '" + value.replaceAll("(?i)(password=)[^&]*", "$1***")
                    + "'");
        }
        if (value.startsWith("jdbc:mysql://") && !value.contains("permitMysqlScheme")) {
            // the example carries MariaDB's driver, which speaks to MySQL too once allowed to take its URLs
            return value + (value.contains("?") ? "&" : "?") + "permitMysqlScheme";
        }
        return value;
    }

    private static Duration seconds(String value, long fallback, long minimum, String flag) {
        if (value == null) {
            return Duration.ofSeconds(fallback);
        }
        try {
            var seconds = Long.parseLong(value);
            if (seconds >= minimum) {
                return Duration.ofSeconds(seconds);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(flag + " must be a whole number of seconds, at least " + minimum
                + ", got '" + value + "'");
    }

    private static final List<String> FLAGS = List.of("domain", "acme-directory", "acme-trust", "email", "storage",
            "host", "http-port", "https-port", "redirect-port", "hsts-max-age", "challenge", "lease-duration",
            "on-demand-allow", "on-demand-ask", "dns-server", "tsig-key-name", "tsig-key", "tsig-algorithm",
            "dns-resolver", "storage-key-file", "notify-webhook", "notify-mail", "notify-mail-from", "notify-mail-to",
            "fallback-ca");
    private static final List<String> SWITCHES = List.of("trust-forwarded-headers");

    private static String value(Map<String, List<String>> flags, Map<String, String> environment, String name) {
        var given = flags.get(name);
        if (given != null) {
            if (given.size() > 1) {
                throw new IllegalArgumentException("--" + name + " is given " + given.size() + " times; give it once");
            }
            return given.get(0);
        }
        var variable = environment.get("CERTPILOT_" + name.toUpperCase(Locale.ROOT).replace('-', '_'));
        return variable == null || variable.isBlank() ? null : variable;
    }

    private static List<String> split(String list) {
        var result = new ArrayList<String>();
        if (list != null) {
            for (var item : list.split(",")) {
                if (!item.isBlank()) {
                    result.add(item.trim());
                }
            }
        }
        return result;
    }

    static InetSocketAddress address(String value, String flag) {
        var colon = value.lastIndexOf(':');
        var host = colon < 0 ? value : value.substring(0, colon);
        var port = colon < 0 ? 53 : port(value.substring(colon + 1), 53, flag);
        if (host.isBlank() || port == 0) {
            throw new IllegalArgumentException(flag + " must be HOST or HOST:PORT, such as ns1.example.com:53, got '"
                    + value + "'");
        }
        return InetSocketAddress.createUnresolved(host, port);
    }

    private static URI uri(String value) {
        try {
            return CertificateAuthority.of(value).directory();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--acme-directory: " + e.getMessage(), e);
        }
    }

    private static Duration hsts(String value) {
        if (value == null) {
            return DEFAULT_HSTS;
        }
        try {
            var seconds = Long.parseLong(value);
            if (seconds >= 0) {
                return Duration.ofSeconds(seconds);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--hsts-max-age must be a number of seconds (0 for no HSTS), got '"
                + value + "'");
    }

    private static int port(String value, int fallback, String flag) {
        if (value == null) {
            return fallback;
        }
        try {
            var port = Integer.parseInt(value);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(flag + " must be a port from 0 (any free port) to 65535" + (flag.equals(
                "--http-port") ? ", or none" : "") + ", got '" + value + "'");
    }
}

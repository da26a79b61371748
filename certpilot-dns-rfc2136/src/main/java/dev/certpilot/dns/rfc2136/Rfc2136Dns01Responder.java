package dev.certpilot.dns.rfc2136;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Update;

import dev.certpilot.core.spi.Dns01Responder;

/**
 * Answers DNS-01 by RFC 2136 dynamic updates signed with TSIG: the standard way to update BIND, Knot, PowerDNS,
 * Windows DNS and many hosted services. Before {@link #publish} returns, every authoritative server of the zone
 * (found through its NS records) answers the new TXT record, or it fails naming those that do not: no fixed sleep.
 * A CNAME on {@code _acme-challenge.<name>} is followed (delegated validation, as acme-dns users set it up), and the
 * record is written where it points, but only inside the zone of the name itself or a zone given to
 * {@link Builder#allowedZones}: the updates are signed with your key, and with on-demand TLS the names (and so their
 * CNAMEs) are your customers', who could otherwise steer writes anywhere that key may update.
 *
 * <pre>{@code
 * var dns = Rfc2136Dns01Responder.builder(new InetSocketAddress("ns1.example.com", 53))
 *         .tsigKey("certpilot", "base64secret==")           // hmac-sha256 unless tsigAlgorithm(...)
 *         .build();
 * CertificateManager.builder() ... .certificate("wild", "example.com", "*.example.com").challenges(dns) ...
 * }</pre>
 *
 * Immutable and thread-safe.
 */
public final class Rfc2136Dns01Responder implements Dns01Responder {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.dns");

    private final InetSocketAddress server;
    private final Name keyName;
    private final TSIG tsig;
    private final Name zone;
    private final List<Name> allowedZones;
    private final Resolver lookups;
    private final int nameserverPort;
    private final Duration timeout;
    private final Duration propagationTimeout;
    private final long ttl;

    private Rfc2136Dns01Responder(Builder builder) {
        this.server = builder.server;
        this.keyName = builder.keyName;
        this.tsig = builder.keyName == null ? null : new TSIG(builder.algorithm, builder.keyName, builder.secret);
        this.zone = builder.zone;
        this.allowedZones = List.copyOf(builder.allowedZones);
        if (tsig == null) {
            LOG.warn("DNS updates to {} are sent unsigned (no tsigKey): a server that accepts them from this address "
                    + "accepts them from anyone who can send from it. Sign them with a TSIG key (tsig-keygen)",
                    describe(builder.server));
        }
        this.lookups = builder.resolver != null ? resolver(builder.resolver, builder.timeout) : systemResolver(builder);
        this.nameserverPort = builder.nameserverPort;
        this.timeout = builder.timeout;
        this.propagationTimeout = builder.propagationTimeout;
        this.ttl = builder.ttl.toSeconds();
    }

    /**
     * Starts configuring updates sent to the primary server at {@code server} (port 53 as a rule).
     *
     * @param server the primary server's address
     * @return a new builder
     */
    public static Builder builder(InetSocketAddress server) {
        return new Builder(Objects.requireNonNull(server, "server"));
    }

    @Override
    public void publish(String recordName, String value) throws IOException {
        var name = Names.of(recordName, "recordName");
        var record = locate(name);
        var update = new Update(record.zone());
        update.add(new TXTRecord(record.name(), DClass.IN, ttl, value));
        send(update, "add TXT " + record.name(), record.zone());
        LOG.info("Published TXT {}{} in zone {} at {}; waiting for its authoritative servers", record.name(),
                record.name().equals(name) ? "" : " (CNAME of " + name + ")", record.zone(), describe(server));
        new Propagation(lookups, nameserverPort, timeout).await(record.zone(), record.name(), value,
                propagationTimeout);
    }

    @Override
    public void remove(String recordName, String value) throws IOException {
        var record = locate(Names.of(recordName, "recordName"));
        var update = new Update(record.zone());
        update.delete(new TXTRecord(record.name(), DClass.IN, 0, value));
        send(update, "delete TXT " + record.name(), record.zone());
    }

    /** Where a record really lives: its name once CNAMEs are followed, and the zone that holds that name. */
    private record Location(Name name, Name zone) {
    }

    private Location locate(Name name) throws IOException {
        var target = new Delegations(lookups).follow(name);
        var targetZone = zone != null ? zone : new Zones(lookups).of(target, server);
        if (!target.equals(name)) {
            // the zone of the name the record is for (the CNAME's owner itself answers no SOA)
            var own = zone != null ? zone : new Zones(lookups).of(new Name(name, 1), server);
            var allowed = new ArrayList<Name>(allowedZones);
            allowed.add(own);
            if (allowed.stream().noneMatch(target::subdomain)) {
                throw new IOException(name + " is a CNAME of " + target + ", outside the zones this responder may "
                        + "update (" + allowed + "): not followed. If " + targetZone + " is where you delegate "
                        + "validation, add it with allowedZones(\"" + targetZone + "\"); else remove the CNAME");
            }
        }
        return new Location(target, targetZone);
    }

    private void send(Update update, String what, Name zoneName) throws IOException {
        var resolver = resolver(server, timeout);
        if (tsig != null) {
            resolver.setTSIGKey(tsig);
        }
        Message response;
        try {
            response = resolver.send(update);
        } catch (IOException e) {
            throw new IOException("DNS update (" + what + ") in zone " + zoneName + " at " + describe(server)
                    + " failed: " + e.getMessage() + ". Check that the server is reachable over UDP and TCP", e);
        }
        var rcode = response.getRcode();
        if (rcode != Rcode.NOERROR) {
            var tsigError = response.getTSIG() == null ? Rcode.NOERROR : response.getTSIG().getError();
            throw new IOException("DNS update (" + what + ") in zone " + zoneName + " at " + describe(server)
                    + (keyName == null ? " without a TSIG key" : " with TSIG key " + keyName) + " was refused: "
                    + Rcode.string(rcode) + (tsigError != Rcode.NOERROR ? " (TSIG " + Rcode.TSIGstring(tsigError)
                    + ")" : "") + ". " + advice(rcode, tsigError));
        }
        if (tsig != null && !response.isVerified()) {
            throw new IOException("DNS update (" + what + ") in zone " + zoneName + " at " + describe(server)
                    + ": the answer is not signed with TSIG key " + keyName + "; check the key's secret and algorithm");
        }
    }

    private static String advice(int rcode, int tsigError) {
        if (tsigError == Rcode.BADSIG || tsigError == Rcode.BADKEY) {
            return "The server does not accept this key: check its name, secret (base64) and algorithm";
        }
        if (tsigError == Rcode.BADTIME) {
            return "The clocks of this machine and the server differ by more than the TSIG fudge: synchronize them";
        }
        return switch (rcode) {
            case Rcode.REFUSED -> "The server's policy refuses this key for this zone: allow it in allow-update or "
                    + "update-policy";
            case Rcode.NOTAUTH -> "The server is not the primary of this zone, or does not accept this key";
            case Rcode.NOTZONE -> "The record is not inside the zone: check the zone setting or the CNAME";
            default -> "See the server's log";
        };
    }

    static SimpleResolver resolver(InetSocketAddress address, Duration timeout) {
        var resolver = new SimpleResolver(address);
        resolver.setTimeout(timeout);
        return resolver;
    }

    private static Resolver systemResolver(Builder builder) {
        var resolver = new ExtendedResolver();
        resolver.setTimeout(builder.timeout);
        return resolver;
    }

    static String describe(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    @Override
    public String toString() {
        return "Rfc2136Dns01Responder[" + describe(server) + (keyName == null ? "" : ", key " + keyName)
                + (zone == null ? "" : ", zone " + zone) + "]";
    }

    /** Configures a {@link Rfc2136Dns01Responder}; each setter checks its value at once. Not thread-safe. */
    public static final class Builder {

        private final InetSocketAddress server;
        private Name keyName;
        private byte[] secret;
        private Name algorithm = TSIG.HMAC_SHA256;
        private Name zone;
        private final List<Name> allowedZones = new ArrayList<>();
        private InetSocketAddress resolver;
        private int nameserverPort = 53;
        private Duration timeout = Duration.ofSeconds(10);
        private Duration propagationTimeout = Duration.ofMinutes(2);
        private Duration ttl = Duration.ofMinutes(1);

        private Builder(InetSocketAddress server) {
            this.server = server;
        }

        /**
         * Signs updates with this TSIG key; without one, updates go unsigned (for servers that allow updates by
         * address only).
         *
         * @param name   the key's name, as in the server's configuration
         * @param secret its secret, base64 as {@code tsig-keygen} prints it
         * @return this builder
         */
        public Builder tsigKey(String name, String secret) {
            this.keyName = Names.of(Objects.requireNonNull(name, "name"), "tsigKey name");
            try {
                this.secret = Base64.getDecoder().decode(Objects.requireNonNull(secret, "secret").trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("The TSIG secret of key '" + name + "' must be base64, as "
                        + "tsig-keygen prints it", e);
            }
            if (this.secret.length == 0) {
                throw new IllegalArgumentException("The TSIG secret of key '" + name + "' is empty");
            }
            return this;
        }

        /**
         * The TSIG algorithm: hmac-sha256 (default), hmac-sha512, hmac-sha384, hmac-sha224, hmac-sha1 or hmac-md5.
         *
         * @param algorithm the algorithm's name
         * @return this builder
         */
        public Builder tsigAlgorithm(String algorithm) {
            var name = Objects.requireNonNull(algorithm, "algorithm").toLowerCase(Locale.ROOT);
            this.algorithm = switch (name.endsWith(".") ? name.substring(0, name.length() - 1) : name) {
                case "hmac-sha256" -> TSIG.HMAC_SHA256;
                case "hmac-sha512" -> TSIG.HMAC_SHA512;
                case "hmac-sha384" -> TSIG.HMAC_SHA384;
                case "hmac-sha224" -> TSIG.HMAC_SHA224;
                case "hmac-sha1" -> TSIG.HMAC_SHA1;
                case "hmac-md5", "hmac-md5.sig-alg.reg.int" -> TSIG.HMAC_MD5;
                default -> throw new IllegalArgumentException("TSIG algorithm must be hmac-sha256, hmac-sha512, "
                        + "hmac-sha384, hmac-sha224, hmac-sha1 or hmac-md5, got '" + algorithm + "'");
            };
            return this;
        }

        /**
         * Zones besides the name's own into which a CNAME on {@code _acme-challenge.<name>} may lead (delegated
         * validation, such as an acme-dns zone); default none: a CNAME elsewhere fails the validation, naming it.
         *
         * @param zones the zones, such as {@code acme.example.net}
         * @return this builder
         */
        public Builder allowedZones(String... zones) {
            for (var zone : zones) {
                allowedZones.add(Names.of(zone, "allowedZones"));
            }
            return this;
        }

        /**
         * The zone to update; default: found from the record's name through SOA lookups.
         *
         * @param zone the zone's name
         * @return this builder
         */
        public Builder zone(String zone) {
            this.zone = Names.of(zone, "zone");
            return this;
        }

        /**
         * The resolver for SOA, NS, CNAME and address lookups; default: the system's ({@code /etc/resolv.conf}).
         * Give the primary itself when it is not public (a private zone, a test).
         *
         * @param resolver the resolver's address
         * @return this builder
         */
        public Builder resolver(InetSocketAddress resolver) {
            this.resolver = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        /**
         * The port the zone's authoritative servers answer on, for the propagation check; default 53.
         *
         * @param port the port
         * @return this builder
         */
        public Builder nameserverPort(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("nameserverPort must be 1 to 65535, got " + port);
            }
            this.nameserverPort = port;
            return this;
        }

        /**
         * How long one DNS exchange may take; default 10 seconds.
         *
         * @param timeout the longest exchange, positive
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            this.timeout = positive(timeout, "timeout");
            return this;
        }

        /**
         * How long to wait for every authoritative server to answer the new record; default 2 minutes.
         *
         * @param timeout the longest wait, positive
         * @return this builder
         */
        public Builder propagationTimeout(Duration timeout) {
            this.propagationTimeout = positive(timeout, "propagationTimeout");
            return this;
        }

        /**
         * The TTL of the TXT records; default 1 minute.
         *
         * @param ttl the TTL, positive
         * @return this builder
         */
        public Builder ttl(Duration ttl) {
            this.ttl = positive(ttl, "ttl");
            return this;
        }

        /**
         * Builds the responder.
         *
         * @return the responder
         */
        public Rfc2136Dns01Responder build() {
            return new Rfc2136Dns01Responder(this);
        }

        private static Duration positive(Duration value, String field) {
            Objects.requireNonNull(value, field);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(field + " must be positive, got " + value);
            }
            return value;
        }
    }

    /** Absolute DNS names from user input. */
    static final class Names {

        private Names() {
        }

        static Name of(String text, String field) {
            Objects.requireNonNull(text, field);
            try {
                return Name.fromString(text.endsWith(".") ? text : text + ".");
            } catch (TextParseException e) {
                throw new IllegalArgumentException(field + " '" + text + "' is not a DNS name: " + e.getMessage(), e);
            }
        }
    }
}

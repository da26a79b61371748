package dev.certpilot.dns.route53;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.spi.Dns01Responder;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.Change;
import software.amazon.awssdk.services.route53.model.ChangeAction;
import software.amazon.awssdk.services.route53.model.ChangeStatus;
import software.amazon.awssdk.services.route53.model.RRType;
import software.amazon.awssdk.services.route53.model.ResourceRecord;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;
import software.amazon.awssdk.services.route53.model.Route53Exception;

/**
 * Answers DNS-01 through Amazon Route 53, on the AWS SDK for Java 2. Route 53 keeps all values of a name in one
 * record set, so a value is added to (and later removed from) the TXT set of its name, keeping the others (a
 * wildcard and its apex share {@code _acme-challenge.<name>}). {@link #publish} returns once Route 53 reports the
 * change {@code INSYNC}, which it does when all its authoritative servers answer it: no fixed sleep.
 *
 * <pre>{@code
 * var dns = Route53Dns01Responder.builder().build();  // credentials as the AWS SDK finds them (env, profile, role)
 * CertificateManager.builder() ... .certificate("wild", "example.com", "*.example.com").challenges(dns) ...
 * }</pre>
 *
 * <p>The credentials need {@code route53:ListHostedZonesByName} (unless {@link Builder#hostedZoneId} is given),
 * {@code route53:ListResourceRecordSets}, {@code route53:ChangeResourceRecordSets} and {@code route53:GetChange}. A
 * failed call names the record, the hosted zone, Route 53's error code and message, and what to check; keys are
 * never logged.
 *
 * <p>Thread-safe: changes to one name are made one at a time. Close it to release its HTTP connections.
 */
public final class Route53Dns01Responder implements Dns01Responder, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.dns");
    private static final String ZONE_PREFIX = "/hostedzone/";

    private final Route53Client route53;
    private final String hostedZoneId;
    private final long ttl;
    private final Duration propagationTimeout;
    private final Map<String, Zone> zones = new ConcurrentHashMap<>();
    private final Map<String, Object> nameLocks = new ConcurrentHashMap<>();

    private Route53Dns01Responder(Builder builder) {
        var client = Route53Client.builder()
                .region(Region.AWS_GLOBAL)
                .credentialsProvider(builder.credentials != null ? builder.credentials
                        : DefaultCredentialsProvider.builder().build())
                .httpClientBuilder(UrlConnectionHttpClient.builder().connectionTimeout(builder.timeout)
                        .socketTimeout(builder.timeout))
                .overrideConfiguration(c -> c.apiCallTimeout(builder.timeout.multipliedBy(3)));
        if (builder.endpoint != null) {
            client.endpointOverride(builder.endpoint);
        }
        this.route53 = client.build();
        this.hostedZoneId = builder.hostedZoneId;
        this.ttl = builder.ttl.toSeconds();
        this.propagationTimeout = builder.propagationTimeout;
    }

    /**
     * Starts configuring a responder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void publish(String recordName, String value) throws IOException {
        var name = fqdn(recordName);
        var zone = zone(name);
        String changeId;
        synchronized (nameLocks.computeIfAbsent(name, n -> new Object())) {
            var current = current(zone, name);
            var values = new ArrayList<>(current == null ? List.<String>of() : values(current));
            if (values.contains(quoted(value))) {
                return;
            }
            values.add(quoted(value));
            changeId = change(zone, ChangeAction.UPSERT, recordSet(name, ttl, values), "add TXT " + name);
        }
        LOG.info("Published TXT {} in Route 53 zone {}; waiting until it is in sync", name, zone.name());
        awaitInSync(changeId, zone, "TXT " + name);
    }

    @Override
    public void remove(String recordName, String value) throws IOException {
        var name = fqdn(recordName);
        var zone = zone(name);
        synchronized (nameLocks.computeIfAbsent(name, n -> new Object())) {
            var current = current(zone, name);
            if (current == null || !values(current).contains(quoted(value))) {
                return;
            }
            var rest = new ArrayList<>(values(current));
            rest.remove(quoted(value));
            if (rest.isEmpty()) {
                change(zone, ChangeAction.DELETE, current, "delete TXT " + name);
            } else {
                change(zone, ChangeAction.UPSERT, recordSet(name, current.ttl(), rest), "remove a value of TXT " + name);
            }
        }
        LOG.info("Removed a value of TXT {} from Route 53 zone {}", name, zone.name());
    }

    /** Releases the HTTP client. */
    @Override
    public void close() {
        route53.close();
    }

    @Override
    public String toString() {
        return "Route53Dns01Responder[" + (hostedZoneId == null ? "zones by name" : "zone " + hostedZoneId) + "]";
    }

    private record Zone(String id, String name) {
    }

    /** The public hosted zone holding {@code name}: the given one, or the longest of its parent names. */
    private Zone zone(String name) throws IOException {
        var known = zones.get(name);
        if (known != null) {
            return known;
        }
        Zone zone = hostedZoneId == null ? null : new Zone(hostedZoneId, hostedZoneId);
        for (var candidate = parent(name); zone == null && candidate != null; candidate = parent(candidate)) {
            var dnsName = candidate;
            var found = call("find the hosted zone " + candidate, null, () -> route53.listHostedZonesByName(
                    r -> r.dnsName(dnsName).maxItems("10")).hostedZones());
            for (var hosted : found) {
                if (hosted.name().equalsIgnoreCase(candidate)
                        && (hosted.config() == null || !Boolean.TRUE.equals(hosted.config().privateZone()))) {
                    zone = new Zone(stripPrefix(hosted.id()), candidate);
                    break;
                }
            }
        }
        if (zone == null) {
            throw new IOException("Route 53 has no public hosted zone for " + name + " that these credentials can "
                    + "list: create it, give the credentials route53:ListHostedZonesByName, or set hostedZoneId(...)");
        }
        zones.put(name, zone);
        return zone;
    }

    /** The TXT record set of {@code name}, or null if there is none. */
    private ResourceRecordSet current(Zone zone, String name) throws IOException {
        var sets = call("read TXT " + name, zone, () -> route53.listResourceRecordSets(r -> r.hostedZoneId(zone.id())
                .startRecordName(name).startRecordType(RRType.TXT).maxItems("1")).resourceRecordSets());
        if (sets.isEmpty()) {
            return null;
        }
        var set = sets.get(0);
        return set.type() == RRType.TXT && fqdn(unescape(set.name())).equals(name) ? set : null;
    }

    private String change(Zone zone, ChangeAction action, ResourceRecordSet set, String what) throws IOException {
        return call(what, zone, () -> route53.changeResourceRecordSets(r -> r.hostedZoneId(zone.id())
                .changeBatch(b -> b.comment("certpilot ACME challenge")
                        .changes(Change.builder().action(action).resourceRecordSet(set).build())))
                .changeInfo().id());
    }

    /** Waits until Route 53 reports {@code changeId} applied on all its name servers, polling at growing intervals. */
    private void awaitInSync(String changeId, Zone zone, String what) throws IOException {
        var deadline = System.nanoTime() + propagationTimeout.toNanos();
        var pause = Duration.ofMillis(250);
        while (true) {
            var status = call("check the change of " + what, zone, () -> route53.getChange(r -> r.id(changeId))
                    .changeInfo().status());
            if (status == ChangeStatus.INSYNC) {
                return;
            }
            if (System.nanoTime() + pause.toNanos() > deadline) {
                throw new IOException("Route 53 did not report the change of " + what + " in zone " + zone.name()
                        + " in sync within " + propagationTimeout + " (change " + changeId + " is " + status
                        + "); raise propagationTimeout if Route 53 is slow");
            }
            try {
                Thread.sleep(pause.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("Interrupted while waiting for Route 53 to apply " + what, e);
            }
            pause = pause.multipliedBy(2).compareTo(Duration.ofSeconds(5)) > 0 ? Duration.ofSeconds(5)
                    : pause.multipliedBy(2);
        }
    }

    private interface Call<T> {
        T run();
    }

    /** Runs an SDK call and turns what it throws into an {@link IOException} naming the action and the fix. */
    private static <T> T call(String action, Zone zone, Call<T> call) throws IOException {
        var where = zone == null ? "" : " in hosted zone " + zone.name() + (zone.name().equals(zone.id()) ? ""
                : " (" + zone.id() + ")");
        try {
            return call.run();
        } catch (Route53Exception e) {
            var details = e.awsErrorDetails();
            var code = details == null ? "" : details.errorCode();
            throw new IOException("Cannot " + action + where + ": Route 53 answered HTTP " + e.statusCode() + " "
                    + code + " (" + (details == null ? e.getMessage() : details.errorMessage()) + ")" + advice(code),
                    e);
        } catch (SdkClientException e) {
            throw new IOException("Cannot " + action + where + ": " + e.getMessage() + ". Check the AWS credentials "
                    + "(environment, profile or role) and that Route 53 can be reached", e);
        } catch (SdkException e) {
            throw new IOException("Cannot " + action + where + ": " + e.getMessage(), e);
        }
    }

    private static String advice(String code) {
        return switch (code) {
            case "AccessDenied", "AccessDeniedException" -> ". Grant these credentials route53:ChangeResourceRecordSets, "
                    + "route53:ListResourceRecordSets, route53:GetChange and route53:ListHostedZonesByName";
            case "InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException" ->
                    ". Check the AWS access key id and secret key";
            case "NoSuchHostedZone" -> ". Check hostedZoneId(...)";
            case "Throttling", "PriorRequestNotComplete" -> ". Route 53 throttled the call: the order is retried later";
            default -> "";
        };
    }

    private static ResourceRecordSet recordSet(String name, long ttl, List<String> values) {
        return ResourceRecordSet.builder().name(name).type(RRType.TXT).ttl(ttl)
                .resourceRecords(values.stream().map(v -> ResourceRecord.builder().value(v).build()).toList())
                .build();
    }

    private static List<String> values(ResourceRecordSet set) {
        return set.resourceRecords().stream().map(ResourceRecord::value).toList();
    }

    /** A TXT value as Route 53 takes it: in double quotes (ACME values are base64url, with nothing to escape). */
    private static String quoted(String value) {
        return "\"" + value + "\"";
    }

    /** Route 53 writes some characters of names in octal ({@code \052} for {@code *}). */
    private static String unescape(String name) {
        return name.replace("\\052", "*");
    }

    private static String stripPrefix(String id) {
        return id.startsWith(ZONE_PREFIX) ? id.substring(ZONE_PREFIX.length()) : id;
    }

    private static String fqdn(String name) {
        var lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower : lower + ".";
    }

    /** {@code name} (with its trailing dot) less its first label; null for a top-level name. */
    private static String parent(String name) {
        var dot = name.indexOf('.');
        var rest = name.substring(dot + 1);
        return rest.indexOf('.') == rest.length() - 1 || rest.isEmpty() ? null : rest;
    }

    /** Settings of a {@link Route53Dns01Responder}; not thread-safe. */
    public static final class Builder {
        private AwsCredentialsProvider credentials;
        private String hostedZoneId;
        private URI endpoint;
        private Duration ttl = Duration.ofSeconds(60);
        private Duration timeout = Duration.ofSeconds(30);
        private Duration propagationTimeout = Duration.ofMinutes(2);

        private Builder() {
        }

        /**
         * The credentials; default the AWS SDK's chain (environment, system properties, profile, container, role).
         *
         * @param credentials the credentials' provider
         * @return this builder
         */
        public Builder credentials(AwsCredentialsProvider credentials) {
            this.credentials = Objects.requireNonNull(credentials, "credentials");
            return this;
        }

        /**
         * The hosted zone to write in, such as {@code Z0123456789ABCDEFGHIJ}; default: the public zone found by name
         * for each record.
         *
         * @param hostedZoneId the hosted zone's id
         * @return this builder
         */
        public Builder hostedZoneId(String hostedZoneId) {
            var id = stripPrefix(Objects.requireNonNull(hostedZoneId, "hostedZoneId").trim());
            if (!id.matches("[A-Z0-9]{1,32}")) {
                throw new IllegalArgumentException("A Route 53 hosted zone id is upper-case letters and digits, such "
                        + "as Z0123456789ABCDEFGHIJ (the console shows it), got '" + hostedZoneId + "'");
            }
            this.hostedZoneId = id;
            return this;
        }

        /**
         * The Route 53 endpoint; default AWS's. For a VPC endpoint or proxy, or a local stand-in in tests.
         *
         * @param endpoint the endpoint's URL
         * @return this builder
         */
        public Builder endpoint(URI endpoint) {
            this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
            return this;
        }

        /**
         * The TXT record's TTL; default 60 seconds.
         *
         * @param ttl the TTL, positive
         * @return this builder
         */
        public Builder ttl(Duration ttl) {
            if (ttl.toSeconds() < 1 || ttl.toSeconds() > 86_400) {
                throw new IllegalArgumentException("The Route 53 TXT TTL must be 1 s to 1 day, got " + ttl);
            }
            this.ttl = ttl;
            return this;
        }

        /**
         * The timeout of one HTTP exchange with Route 53; default 30 seconds.
         *
         * @param timeout the longest exchange, positive
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("The Route 53 timeout must be positive, got " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * How long {@link #publish} waits for Route 53 to report a change in sync; default 2 minutes.
         *
         * @param timeout the longest wait, positive
         * @return this builder
         */
        public Builder propagationTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("The propagation timeout must be positive, got " + timeout);
            }
            this.propagationTimeout = timeout;
            return this;
        }

        /**
         * The responder, with its own HTTP client.
         *
         * @return the responder
         */
        public Route53Dns01Responder build() {
            return new Route53Dns01Responder(this);
        }
    }
}

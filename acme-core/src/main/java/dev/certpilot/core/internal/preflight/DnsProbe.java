package dev.certpilot.core.internal.preflight;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

import dev.certpilot.core.Preflight;
import dev.certpilot.core.PreflightReport.Check;
import dev.certpilot.core.PreflightReport.Finding;
import dev.certpilot.core.PreflightReport.Outcome;
import dev.certpilot.core.spi.Dns01Responder;

/**
 * The DNS-01 preflight of one domain: publishes a probe TXT record at {@code _acme-challenge.NAME} through the
 * responder (so its credentials and permissions are tried), follows a CNAME as the CA does, finds the zone and its
 * authoritative servers, and asks each one directly until all answer the probe, within the responder's propagation
 * delay and the timeout; the record is removed whatever the outcome. Not thread-safe: one per probe.
 */
final class DnsProbe {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.preflight");
    private static final int MAX_CNAMES = 8;
    private static final Duration POLL = Duration.ofMillis(500);

    private final Preflight settings;
    private final DnsQueries dns;

    DnsProbe(Preflight settings, DnsQueries dns) {
        this.settings = settings;
        this.dns = dns;
    }

    Finding run(Dns01Responder responder, String domain, String name) {
        var record = "_acme-challenge." + name;
        var bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        var value = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes); // shaped as a real digest
        try {
            responder.publish(record + ".", value); // absolute, as the engine passes it
        } catch (IOException | RuntimeException e) {
            return new Finding(domain, Check.DNS_01, Outcome.FAILED, "the DNS-01 responder could not publish the probe "
                    + "record " + record + ": " + e.getMessage(), "Check the DNS-01 responder's settings: its "
                    + "credentials, and that they may change " + record + " (the zone, the key's permissions)");
        }
        try {
            return check(domain, record, value, settings.timeout().plus(responder.propagationDelay()));
        } catch (IOException e) {
            return new Finding(domain, Check.DNS_01, Outcome.FAILED, "looking up the zone of " + record + " failed: "
                    + e.getMessage(), "Check that the DNS servers of " + name + " answer");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Finding(domain, Check.DNS_01, Outcome.SKIPPED, "interrupted", "");
        } finally {
            try {
                responder.remove(record + ".", value);
            } catch (IOException | RuntimeException e) {
                LOG.warn("Removing the preflight's probe record {} failed: {}", record, e.toString());
            }
        }
    }

    private Finding check(String domain, String record, String value, Duration wait)
            throws IOException, InterruptedException {
        var target = record;
        for (int hop = 0; hop < MAX_CNAMES; hop++) {
            var cname = Arrays.stream(dns.lookup(target, Type.CNAME))
                    .filter(CNAMERecord.class::isInstance).map(CNAMERecord.class::cast).findFirst();
            if (cname.isEmpty() || !cname.get().getName().equals(DnsQueries.absolute(target))) {
                break;
            }
            target = cname.get().getTarget().toString(true);
        }
        var zone = zone(target);
        if (zone == null) {
            return new Finding(domain, Check.DNS_01, Outcome.FAILED, "no zone holds " + target + " (no SOA record "
                    + "above it)", "Check that the domain is delegated to DNS servers that answer for it");
        }
        var servers = new LinkedHashMap<String, List<InetSocketAddress>>();
        for (var ns : dns.lookup(zone.toString(), Type.NS)) {
            if (ns instanceof NSRecord server) {
                var host = server.getTarget().toString(true);
                servers.put(host, dns.addresses(host).stream().map(dns::authoritative).toList());
            }
        }
        if (servers.isEmpty()) {
            return new Finding(domain, Check.DNS_01, Outcome.FAILED, "the zone " + zone + " has no NS record",
                    "Delegate the zone to its DNS servers (NS records)");
        }
        var name = DnsQueries.absolute(target);
        var missing = new LinkedHashMap<>(servers);
        var problems = new LinkedHashMap<String, String>();
        var deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            for (var it = missing.entrySet().iterator(); it.hasNext();) {
                var server = it.next();
                if (answers(server, name, value, problems)) {
                    it.remove();
                }
            }
            if (missing.isEmpty()) {
                return new Finding(domain, Check.DNS_01, Outcome.PASSED, "a probe TXT record at " + target
                        + " is answered by every authoritative server of " + zone.toString(true) + " "
                        + servers.keySet(), "");
            }
            if (System.nanoTime() - deadline > 0) {
                var evidence = new ArrayList<String>();
                missing.keySet().forEach(host -> evidence.add(host + (problems.containsKey(host) ? " ("
                        + problems.get(host) + ")" : "")));
                return new Finding(domain, Check.DNS_01, Outcome.FAILED, "the probe TXT record at " + target
                        + " was published, but " + evidence + " of the zone " + zone.toString(true)
                        + " did not answer it within " + wait.toSeconds() + " s", "Every authoritative server "
                        + "must answer the record the CA asks: check the transfers from the primary to the "
                        + "secondaries (NOTIFY, IXFR), or raise the responder's propagation delay");
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /** The zone that holds {@code name}: the closest name at or above it with an SOA record. */
    private Name zone(String name) throws IOException {
        var labels = name.split("\\.");
        for (int i = 0; i < labels.length; i++) {
            var at = String.join(".", List.of(labels).subList(i, labels.length));
            for (var record : dns.lookup(at, Type.SOA)) {
                if (record instanceof SOARecord soa && soa.getName().equals(DnsQueries.absolute(at))) {
                    return soa.getName();
                }
            }
        }
        return null;
    }

    /** Whether one of the server's addresses answers the value; what went wrong otherwise, in {@code problems}. */
    private boolean answers(Map.Entry<String, List<InetSocketAddress>> server, Name name, String value,
                            Map<String, String> problems) {
        for (var address : server.getValue()) {
            try {
                for (var record : dns.ask(address, name, Type.TXT)) {
                    if (record instanceof TXTRecord txt && txt.getStrings().contains(value)) {
                        return true;
                    }
                }
                problems.put(server.getKey(), "not yet at " + address.getAddress().getHostAddress());
            } catch (IOException e) {
                problems.put(server.getKey(), address.getAddress().getHostAddress() + ": " + e.getMessage());
            }
        }
        if (server.getValue().isEmpty()) {
            problems.put(server.getKey(), "no address");
        }
        return false;
    }
}

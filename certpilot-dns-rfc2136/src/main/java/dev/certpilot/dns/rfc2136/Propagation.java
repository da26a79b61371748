package dev.certpilot.dns.rfc2136;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.xbill.DNS.ARecord;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * Waits until every authoritative server of a zone (its NS records, each address asked directly, without
 * recursion) answers a TXT record with the given value, polling at growing intervals up to a timeout.
 */
final class Propagation {

    private static final Duration FIRST_PAUSE = Duration.ofMillis(100);
    private static final Duration MAX_PAUSE = Duration.ofSeconds(5);

    private final Resolver resolver;
    private final int port;
    private final Duration exchangeTimeout;

    Propagation(Resolver resolver, int port, Duration exchangeTimeout) {
        this.resolver = resolver;
        this.port = port;
        this.exchangeTimeout = exchangeTimeout;
    }

    void await(Name zone, Name name, String value, Duration timeout) throws IOException {
        var servers = authoritativeServers(zone);
        var deadline = Instant.now().plus(timeout);
        var pause = FIRST_PAUSE;
        while (true) {
            var missing = new ArrayList<String>();
            for (var server : servers.entrySet()) {
                if (!answers(server.getValue(), name, value)) {
                    missing.add(server.getKey());
                }
            }
            if (missing.isEmpty()) {
                return;
            }
            if (Instant.now().plus(pause).isAfter(deadline)) {
                throw new IOException("TXT " + name + " was not answered by " + missing + " (of the authoritative "
                        + "servers " + servers.keySet() + " of zone " + zone + ") within " + timeout
                        + ": check that they transfer the zone from the primary (NOTIFY, IXFR)");
            }
            try {
                Thread.sleep(pause.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("Interrupted while waiting for TXT " + name + " to propagate", e);
            }
            pause = pause.multipliedBy(2).compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause.multipliedBy(2);
        }
    }

    /** Each authoritative server's addresses, by name ("ns1.example.com/192.0.2.1"). */
    private Map<String, List<InetSocketAddress>> authoritativeServers(Name zone) throws IOException {
        var response = resolver.send(Message.newQuery(Record.newRecord(zone, Type.NS, DClass.IN)));
        var servers = new LinkedHashMap<String, List<InetSocketAddress>>();
        for (var record : response.getSection(Section.ANSWER)) {
            if (record instanceof NSRecord ns) {
                var addresses = new ArrayList<InetSocketAddress>();
                for (var type : new int[] {Type.A, Type.AAAA}) {
                    var answer = resolver.send(Message.newQuery(Record.newRecord(ns.getTarget(), type, DClass.IN)));
                    for (var address : answer.getSection(Section.ANSWER)) {
                        InetAddress ip = address instanceof ARecord a ? a.getAddress()
                                : address instanceof AAAARecord aaaa ? aaaa.getAddress() : null;
                        if (ip != null) {
                            addresses.add(new InetSocketAddress(ip, port));
                        }
                    }
                }
                if (addresses.isEmpty()) {
                    throw new IOException("The name server " + ns.getTarget() + " of zone " + zone + " has no address");
                }
                servers.put(ns.getTarget().toString(true), addresses);
            }
        }
        if (servers.isEmpty()) {
            throw new IOException("Zone " + zone + " has no NS records: cannot check that the TXT record propagated");
        }
        return servers;
    }

    /** Whether every address of a server answers the value, asked without recursion. */
    private boolean answers(List<InetSocketAddress> addresses, Name name, String value) {
        for (var address : addresses) {
            var query = Message.newQuery(Record.newRecord(name, Type.TXT, DClass.IN));
            query.getHeader().unsetFlag(Flags.RD);
            try {
                var answer = Rfc2136Dns01Responder.resolver(address, exchangeTimeout).send(query);
                var found = answer.getSection(Section.ANSWER).stream().anyMatch(r -> r instanceof TXTRecord txt
                        && txt.getStrings().contains(value));
                if (!found) {
                    return false;
                }
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}

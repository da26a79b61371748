package dev.certpilot.core.internal.preflight;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

import dev.certpilot.core.Preflight;

/**
 * DNS as the CA sees it, through dnsjava: the configured resolver (or the system's) with no cache and no hosts file,
 * and authoritative servers asked directly. Thread-safe.
 */
final class DnsQueries {

    private final Preflight settings;

    DnsQueries(Preflight settings) {
        this.settings = settings;
    }

    private Resolver resolver() throws IOException {
        Resolver resolver = settings.resolver().isPresent() ? new SimpleResolver(settings.resolver().get())
                : new ExtendedResolver();
        resolver.setTimeout(settings.timeout());
        return resolver;
    }

    static Name absolute(String name) throws IOException {
        try {
            return Name.fromString(name.endsWith(".") ? name : name + ".");
        } catch (TextParseException e) {
            throw new IOException("not a DNS name: " + name, e);
        }
    }

    /** The records of {@code type} at {@code name}, CNAMEs followed; none when the name or the type does not exist. */
    Record[] lookup(String name, int type) throws IOException {
        var lookup = new Lookup(absolute(name), type);
        lookup.setResolver(resolver());
        lookup.setCache(null);
        lookup.setHostsFileParser(null); // DNS as the CA sees it, not this host's /etc/hosts
        var records = lookup.run();
        var result = lookup.getResult();
        if (result == Lookup.SUCCESSFUL) {
            return records;
        }
        if (result == Lookup.HOST_NOT_FOUND || result == Lookup.TYPE_NOT_FOUND) {
            return new Record[0];
        }
        throw new IOException(Type.string(type) + " query: " + lookup.getErrorString());
    }

    /** The name's addresses, IPv6 first, as Let's Encrypt tries them. */
    List<InetAddress> addresses(String name) throws IOException {
        var addresses = new ArrayList<InetAddress>();
        for (var record : lookup(name, Type.AAAA)) {
            if (record instanceof AAAARecord aaaa) {
                addresses.add(aaaa.getAddress());
            }
        }
        for (var record : lookup(name, Type.A)) {
            if (record instanceof ARecord a) {
                addresses.add(a.getAddress());
            }
        }
        return addresses;
    }

    /** Where authoritative servers answer: port 53, or the configured resolver's port (a test's BIND serves both). */
    InetSocketAddress authoritative(InetAddress address) {
        return new InetSocketAddress(address, settings.resolver().map(InetSocketAddress::getPort).orElse(53));
    }

    /** Asks {@code server} itself, without recursion, for the records of {@code type} at {@code name}. */
    List<Record> ask(InetSocketAddress server, Name name, int type) throws IOException {
        var resolver = new SimpleResolver(server);
        resolver.setTimeout(settings.timeout());
        var query = Message.newQuery(Record.newRecord(name, type, DClass.IN));
        query.getHeader().unsetFlag(Flags.RD);
        var answer = resolver.send(query);
        var rcode = answer.getRcode();
        if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
            throw new IOException(Rcode.string(rcode));
        }
        return answer.getSection(Section.ANSWER).stream().filter(record -> record.getType() == type).toList();
    }
}

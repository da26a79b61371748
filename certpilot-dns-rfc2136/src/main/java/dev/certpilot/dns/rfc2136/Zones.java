package dev.certpilot.dns.rfc2136;

import java.io.IOException;
import java.net.InetSocketAddress;

import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The zone a name is in: the owner of the SOA record that answers, or, for a name that has none (as
 * {@code _acme-challenge.<name>} usually has not), the SOA in the authority section of the answer.
 */
final class Zones {

    private final Resolver resolver;

    Zones(Resolver resolver) {
        this.resolver = resolver;
    }

    Name of(Name name, InetSocketAddress server) throws IOException {
        var response = resolver.send(Message.newQuery(Record.newRecord(name, Type.SOA, DClass.IN)));
        for (var section : new int[] {Section.ANSWER, Section.AUTHORITY}) {
            for (var record : response.getSection(section)) {
                if (record instanceof SOARecord soa && name.subdomain(soa.getName())) {
                    return soa.getName();
                }
            }
        }
        throw new IOException("No zone found for " + name + ": its SOA lookup gave none. Set zone(...) on the "
                + "responder to the zone that " + Rfc2136Dns01Responder.describe(server) + " is the primary of, or "
                + "resolver(...) to a resolver that knows it");
    }
}

package dev.certpilot.dns.rfc2136;

import java.io.IOException;

import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Follows CNAMEs from {@code _acme-challenge.<name>} to where the record is really kept (delegated validation). */
final class Delegations {

    /** Longer chains are a loop or a mistake. */
    static final int MAX_HOPS = 8;

    private final Resolver resolver;

    Delegations(Resolver resolver) {
        this.resolver = resolver;
    }

    Name follow(Name name) throws IOException {
        var current = name;
        for (int hop = 0; hop < MAX_HOPS; hop++) {
            var response = resolver.send(Message.newQuery(Record.newRecord(current, Type.CNAME, DClass.IN)));
            Name next = null;
            for (var record : response.getSection(Section.ANSWER)) {
                if (record instanceof CNAMERecord cname && cname.getName().equals(current)) {
                    next = cname.getTarget();
                }
            }
            if (next == null) {
                return current;
            }
            current = next;
        }
        throw new IOException("The CNAME chain from " + name + " is longer than " + MAX_HOPS + " names: a loop?");
    }
}

package dev.certpilot.core;

import java.util.Objects;

/**
 * A TXT record to set once for dns-persist-01 ({@link dev.certpilot.core.spi.DnsPersist01Responder}): after it, this
 * account's orders for the name (and, with {@code policy=wildcard}, its wildcard and subdomains) need no DNS change.
 * {@link #toString()} is the zone-file line. Immutable.
 *
 * @param name  the record's name, such as {@code _validation-persist.example.com.}
 * @param value the record's text, such as {@code letsencrypt.org; accounturi=https://...; policy=wildcard}
 * @param draft the draft of draft-ietf-acme-dns-persist its text follows, such as {@code
 *              draft-ietf-acme-dns-persist-02}: the draft keeps changing until it is an RFC
 */
public record PersistentDnsRecord(String name, String value, String draft) {

    /**
     * @param name  the record's name
     * @param value the record's text
     * @param draft the draft its text follows
     * @throws NullPointerException if any is null
     */
    public PersistentDnsRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(draft, "draft");
    }

    /** The record as a zone-file line: {@code _validation-persist.example.com. IN TXT "..."}. */
    @Override
    public String toString() {
        return name + " IN TXT \"" + value + "\"";
    }
}

package dev.certpilot.core;

import java.util.Objects;

/**
 * A TXT record to set once for dns-persist-01 ({@link dev.certpilot.core.spi.DnsPersist01Responder}): after it, this
 * account's orders for the name (and, with {@code policy=wildcard}, its wildcard and subdomains) need no DNS change.
 * {@link #toString()} is the zone-file line. Immutable.
 *
 * @param name  the record's name, such as {@code _validation-persist.example.com.}
 * @param value the record's text, such as {@code letsencrypt.org; accounturi=https://...; policy=wildcard}
 */
public record PersistentDnsRecord(String name, String value) {

    /**
     * @param name the record's name
     * @param value the record's text
     * @throws NullPointerException if either is null
     */
    public PersistentDnsRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }

    /** The record as a zone-file line: {@code _validation-persist.example.com. IN TXT "..."}. */
    @Override
    public String toString() {
        return name + " IN TXT \"" + value + "\"";
    }
}

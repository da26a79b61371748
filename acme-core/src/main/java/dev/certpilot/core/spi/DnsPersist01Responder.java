package dev.certpilot.core.spi;

import java.util.Locale;
import java.util.Objects;

/**
 * Answers dns-persist-01 challenges (draft-ietf-acme-dns-persist): the domain holds one TXT record at
 * {@code _validation-persist.<domain>}, set once by its owner, naming the CA and this ACME account; orders then need
 * no DNS change and the server holds no DNS credentials. There is nothing to implement:
 * {@code CertificateManager.persistentDnsRecords()} says exactly which records to set, and a failed validation names
 * the record the CA expected. Wildcards are covered by one record with {@code policy=wildcard} at the base name; IP
 * addresses are not validated this way.
 *
 * <p>The record binds the account by a hashed URI when the CA advertises an {@code accountHashPrefix}
 * (draft 02), else by the account URL (draft 01). Immutable and thread-safe.
 */
public final class DnsPersist01Responder implements ChallengeResponder {

    /** The type string {@value}. */
    public static final String TYPE = "dns-persist-01";

    /**
     * Which draft of draft-ietf-acme-dns-persist the records follow. The draft keeps changing until it is an RFC, and
     * a CA validates by the draft it implements; {@link #AS_ADVERTISED} follows the CA's directory.
     */
    public enum Draft {
        /**
         * What the CA's directory advertises: draft 02 when it names an {@code accountHashPrefix}, else draft 01. The
         * default.
         */
        AS_ADVERTISED,
        /** Draft 01: {@code accounturi} is the account's URL. */
        DRAFT_01,
        /**
         * Draft 02: {@code accounturi} is the CA's {@code accountHashPrefix}, {@code sha-256/} and the hash of the
         * domain, the account key's thumbprint and the account's URL.
         */
        DRAFT_02
    }

    private final String issuerDomainName;
    private final boolean acrossDomains;
    private final Draft draft;

    private DnsPersist01Responder(String issuerDomainName, boolean acrossDomains, Draft draft) {
        this.issuerDomainName = issuerDomainName;
        this.acrossDomains = acrossDomains;
        this.draft = draft;
    }

    /**
     * Records naming the CA's first issuer domain name, each bound to its own domain.
     *
     * @return the responder
     */
    public static DnsPersist01Responder create() {
        return new DnsPersist01Responder(null, false, Draft.AS_ADVERTISED);
    }

    /**
     * Records naming {@code name} (such as {@code letsencrypt.org}) among the issuer domain names the CA offers,
     * instead of its first.
     *
     * @param name an issuer domain name the CA offers
     * @return a copy naming it
     */
    public DnsPersist01Responder withIssuerDomainName(String name) {
        var normalized = Objects.requireNonNull(name, "name").trim().toLowerCase(Locale.ROOT);
        if (normalized.endsWith(".")) {
            normalized = normalized.substring(0, normalized.length() - 1);
        }
        if (!normalized.matches("[a-z0-9-]+(\\.[a-z0-9-]+)+")) {
            throw new IllegalArgumentException("An issuer domain name is a domain name such as letsencrypt.org, got '"
                    + name + "'");
        }
        return new DnsPersist01Responder(normalized, acrossDomains, draft);
    }

    /**
     * Records whose account binding does not depend on the domain (the draft's {@code *} opt-out): one value serves
     * every domain, at the cost of letting observers correlate them.
     *
     * @return a copy whose records serve every domain
     */
    public DnsPersist01Responder acrossDomains() {
        return new DnsPersist01Responder(issuerDomainName, true, draft);
    }

    /**
     * The issuer domain name to use, or null for the CA's first.
     *
     * @return the issuer domain name, or null
     */
    public String issuerDomainName() {
        return issuerDomainName;
    }

    /**
     * Whether the account binding is the same for every domain.
     *
     * @return whether one value serves every domain
     */
    public boolean isAcrossDomains() {
        return acrossDomains;
    }

    /**
     * Pins the draft the records follow: a CA that advertises another fails with a message naming both, instead of
     * validating against records that no longer match. The default follows the CA ({@link Draft#AS_ADVERTISED}).
     *
     * @param draft the draft
     * @return a responder with that draft
     */
    public DnsPersist01Responder withDraft(Draft draft) {
        return new DnsPersist01Responder(issuerDomainName, acrossDomains, Objects.requireNonNull(draft, "draft"));
    }

    /**
     * The draft the records follow.
     *
     * @return the draft, {@link Draft#AS_ADVERTISED} unless pinned
     */
    public Draft draft() {
        return draft;
    }

    @Override
    public String challengeType() {
        return TYPE;
    }

    @Override
    public String toString() {
        return "DnsPersist01Responder[" + (issuerDomainName == null ? "the CA's issuer domain name" : issuerDomainName)
                + (acrossDomains ? ", across domains" : "") + (draft == Draft.AS_ADVERTISED ? "" : ", " + draft) + "]";
    }
}

package dev.certpilot.core.internal.acme;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.toolbox.JSON;
import org.shredzone.acme4j.toolbox.JoseUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.CertpilotException;
import dev.certpilot.core.PersistentDnsRecord;
import dev.certpilot.core.internal.base.IpAddresses;
import dev.certpilot.core.spi.ChallengeResponder;
import dev.certpilot.core.spi.DnsPersist01Responder;
import dev.certpilot.core.spi.DnsPersist01Responder.Draft;

/**
 * The TXT records dns-persist-01 validates against (draft-ietf-acme-dns-persist-02, section 4.1): the issuer domain
 * name, the account bound by a hashed URI under the CA's {@code accountHashPrefix} (or by its URL, as draft 01 did,
 * when the CA advertises no prefix), and {@code policy=wildcard} where a wildcard is wanted; each record names the
 * draft it follows. For a manager: which records to set and their log line. Stateless.
 */
public final class PersistentRecords {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.challenge");
    private static final String LABEL = "_validation-persist.";
    private static final String DRAFT_01 = "draft-ietf-acme-dns-persist-01";
    private static final String DRAFT_02 = "draft-ietf-acme-dns-persist-02";

    private PersistentRecords() {
    }

    /**
     * The record for {@code domain} (a DNS name without {@code *.}).
     *
     * @param offered          the issuer domain names the CA offers, in its order
     * @param thumbprint       the base64url SHA-256 JWK thumbprint of the account's current key
     * @param accountHashPrefix the CA's prefix for hashed account URIs, or null to bind by the account URL
     * @throws CertpilotException if the responder names an issuer domain name the CA does not offer
     */
    public static PersistentDnsRecord record(String domain, boolean wildcard, DnsPersist01Responder settings,
                                      List<String> offered, String accountUrl, String thumbprint,
                                      String accountHashPrefix) {
        var draft = draft(settings.draft(), accountHashPrefix);
        var accountUri = draft == Draft.DRAFT_01 ? accountUrl : accountHashPrefix + "sha-256/"
                + hashedAccount(settings.isAcrossDomains() ? "*" : domain, thumbprint, accountUrl);
        return new PersistentDnsRecord(LABEL + domain + ".", issuer(settings, offered) + "; accounturi=" + accountUri
                + (wildcard ? "; policy=wildcard" : ""), draft == Draft.DRAFT_01 ? DRAFT_01 : DRAFT_02);
    }

    /**
     * The record for {@code domain} that {@code login}'s account needs, with the CA's {@code accountHashPrefix} from
     * its directory.
     */
    public static PersistentDnsRecord record(Login login, String domain, boolean wildcard, DnsPersist01Responder settings,
                                      List<String> offered) throws AcmeException {
        var prefix = login.getSession().getMetadata().getJSON().get("accountHashPrefix").optional()
                .map(JSON.Value::asString).orElse(null);
        var thumbprint = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(JoseUtils.thumbprint(login.getKeyPair().getPublic()));
        return record(domain, wildcard, settings, offered, login.getAccountLocation().toString(), thumbprint, prefix);
    }

    /** The issuer domain names the CA's directory advertises for pre-provisioning; empty when none. */
    /**
     * The records {@code issuer}'s account needs for {@code domains}, with the settings of the
     * {@link DnsPersist01Responder} among {@code responders}.
     *
     * @throws IllegalStateException if there is none among them
     */
    public static List<PersistentDnsRecord> of(Issuer issuer, List<? extends ChallengeResponder> responders,
                                               List<String> domains) {
        return issuer.persistentDnsRecords(domains, settings(responders));
    }

    /**
     * The records for every CA among {@code issuers} that advertises dns-persist-01, in their order: with a fallback
     * CA, both sets are in DNS before a failover needs them (TXT records at one name coexist).
     *
     * @throws IllegalStateException if there is no {@link DnsPersist01Responder} among the responders
     * @throws CertpilotException    if no CA advertises dns-persist-01 (the first CA's refusal), or one fails
     */
    public static List<PersistentDnsRecord> of(List<Issuer> issuers, List<? extends ChallengeResponder> responders,
                                               List<String> domains) {
        var settings = settings(responders);
        var records = new java.util.LinkedHashSet<PersistentDnsRecord>();
        CertpilotException first = null;
        for (var issuer : issuers) {
            try {
                records.addAll(issuer.persistentDnsRecords(domains, settings));
            } catch (NotAdvertised e) {
                first = first == null ? e : first;
            }
        }
        if (records.isEmpty() && first != null) {
            throw first;
        }
        return List.copyOf(records);
    }

    /** A CA's directory that names no issuer domain names: it does not offer dns-persist-01. */
    static final class NotAdvertised extends CertpilotException {

        private static final long serialVersionUID = 1L;

        NotAdvertised(String message) {
            super(message);
        }
    }

    private static DnsPersist01Responder settings(List<? extends ChallengeResponder> responders) {
        return responders.stream().filter(DnsPersist01Responder.class::isInstance)
                .map(DnsPersist01Responder.class::cast).findFirst()
                .orElseThrow(() -> new IllegalStateException("No DnsPersist01Responder among the challenges: add "
                        + "DnsPersist01Responder.create() to the builder's challenges(...)"));
    }

    /** Logs the records to set once in DNS, or why they cannot be listed; never throws. */
    public static void log(Issuer issuer, List<? extends ChallengeResponder> responders, List<String> domains) {
        try {
            for (var record : of(issuer, responders, domains)) {
                LOG.info("dns-persist-01 at {} ({}) validates with this record, to be set once in DNS: {}",
                        issuer.ca().directory(), record.draft(), record);
            }
        } catch (CertpilotException e) {
            LOG.warn("dns-persist-01 records cannot be listed: {}", e.getMessage());
        }
    }

    static List<String> advertised(Login login) throws AcmeException {
        var names = new ArrayList<String>();
        for (var value : login.getSession().getMetadata().getJSON().get("issuerDomainNames").asArray()) {
            names.add(DnsPersist01Challenge.issuerName(value.asString()));
        }
        return names;
    }

    /**
     * One record per name that {@code domains} need: a wildcard's at its base name with {@code policy=wildcard},
     * which also covers the base name; IP addresses are left out.
     *
     * @return the base names, each with whether a wildcard is wanted, sorted
     */
    public static Map<String, Boolean> bases(List<String> domains) {
        var bases = new TreeMap<String, Boolean>();
        for (var domain : domains) {
            if (IpAddresses.looksLikeIp(domain)) {
                continue;
            }
            var wildcard = domain.startsWith("*.");
            bases.merge(wildcard ? domain.substring(2) : domain, wildcard, Boolean::logicalOr);
        }
        return bases;
    }

    /** The unpadded base64url SHA-256 of {@code length || domain || thumbprint || accountUrl}. */
    public static String hashedAccount(String domain, String thumbprint, String accountUrl) {
        var name = domain.getBytes(StandardCharsets.US_ASCII);
        var input = new ByteArrayOutputStream();
        input.write(name.length);
        input.writeBytes(name);
        input.writeBytes(thumbprint.getBytes(StandardCharsets.US_ASCII));
        input.writeBytes(accountUrl.getBytes(StandardCharsets.US_ASCII));
        try {
            var digest = MessageDigest.getInstance("SHA-256").digest(input.toByteArray());
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every JDK has SHA-256", e);
        }
    }

    /**
     * The draft the CA speaks, by what its directory advertises, checked against a pinned one.
     *
     * @throws CertpilotException if the pinned draft is not the CA's
     */
    static Draft draft(Draft pinned, String accountHashPrefix) {
        var advertised = accountHashPrefix == null ? Draft.DRAFT_01 : Draft.DRAFT_02;
        if (pinned != Draft.AS_ADVERTISED && pinned != advertised) {
            throw new CertpilotException("dns-persist-01: the records are pinned to " + pinned + ", but the CA's "
                    + "directory advertises " + advertised + (accountHashPrefix == null ? " (no accountHashPrefix)"
                    : " (an accountHashPrefix)") + ": set DnsPersist01Responder.withDraft(" + advertised + "), or "
                    + "AS_ADVERTISED, and update the TXT records to what persistentDnsRecords() lists");
        }
        return advertised;
    }

    private static String issuer(DnsPersist01Responder settings, List<String> offered) {
        var wanted = settings.issuerDomainName();
        if (wanted == null) {
            return offered.get(0);
        }
        if (!offered.contains(wanted)) {
            throw new CertpilotException("dns-persist-01: the CA offers the issuer domain names " + offered + ", not '"
                    + wanted + "': use one of them in DnsPersist01Responder.withIssuerDomainName(...), or leave it "
                    + "out");
        }
        return wanted;
    }
}

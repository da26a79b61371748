package dev.certpilot.core.internal.acme;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.challenge.Challenge;
import org.shredzone.acme4j.exception.AcmeProtocolException;
import org.shredzone.acme4j.toolbox.JSON;

/**
 * A dns-persist-01 challenge as acme4j 4.0.0 receives it, which has no class of its own for it: its issuer domain
 * names, checked as the draft requires (1 to 10 names). Accepts the field under its draft-02 name
 * ({@code issuerDomainNames}) and its draft-01 one ({@code issuer-domain-names}). Immutable once acme4j has
 * made it, like acme4j's own challenges. Internal to certpilot.
 */
public final class DnsPersist01Challenge extends Challenge {

    private static final long serialVersionUID = 1L;

    /** The challenge type. */
    public static final String TYPE = "dns-persist-01";

    /** Wraps the challenge {@code data} the CA sent. */
    public DnsPersist01Challenge(Login login, JSON data) {
        super(login, data);
    }

    /**
     * The issuer domain names the CA accepts in the record, lower case without a trailing dot.
     *
     * @throws AcmeProtocolException if the CA sent none, or more than 10
     */
    public List<String> issuerDomainNames() {
        var json = getJSON();
        var field = json.contains("issuerDomainNames") ? "issuerDomainNames" : "issuer-domain-names";
        var names = new ArrayList<String>();
        for (var value : json.get(field).asArray()) {
            names.add(issuerName(value.asString()));
        }
        if (names.isEmpty() || names.size() > 10) {
            throw new AcmeProtocolException("The CA's dns-persist-01 challenge has " + names.size() + " issuer domain "
                    + "names; the draft allows 1 to 10");
        }
        return List.copyOf(names);
    }

    /** An issuer domain name as the draft compares them: lower case, without a trailing dot. */
    public static String issuerName(String name) {
        var lower = name.trim().toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    /** The account this challenge was fetched for: its URL and key go into the record. */
    public Login login() {
        return getLogin();
    }

    @Override
    protected boolean acceptable(String type) {
        return TYPE.equals(type);
    }
}

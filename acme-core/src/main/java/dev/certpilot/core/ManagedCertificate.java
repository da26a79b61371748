package dev.certpilot.core;

import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

import dev.certpilot.core.internal.base.IpAddresses;
import dev.certpilot.core.spi.ChallengeResponder;
import dev.certpilot.core.spi.Dns01Responder;
import dev.certpilot.core.spi.DnsPersist01Responder;
import dev.certpilot.core.spi.Http01Responder;
import dev.certpilot.core.spi.TlsAlpn01Responder;

/**
 * One certificate the manager keeps: a name that identifies it in storage and events, and the DNS names and IP
 * addresses it covers. Names are normalized to lower-case ASCII (internationalized names to their {@code xn--}
 * form), addresses to one text form ({@code 192.0.2.7}; IPv6 as RFC 5952 writes it, {@code 2001:db8::7}). A wildcard
 * ({@code *.example.com}) stands only as the whole left-most label and needs DNS-01; an IP address (RFC 8738) needs
 * HTTP-01 or TLS-ALPN-01, and CAs issue them only under some profiles (Let's Encrypt: {@code shortlived}). Clients
 * that connect by address send no SNI: they get the certificate listing the address they connected to when the
 * server tells (a plain {@code SSLSocket}, {@code certpilot-jetty}), else the default certificate. Immutable.
 *
 * @param name    identifies the certificate: 1 to 64 of {@code a-z 0-9 . _ -}, starting with a letter or digit
 * @param domains the DNS names and IP addresses, at least one, no duplicates; the first is the certificate's
 *                subject
 * @param profile the certificate profile to order from the CA (such as {@code tlsserver} or {@code shortlived}), or
 *                null for the CA's ({@link CertificateAuthority#withProfile})
 */
public record ManagedCertificate(String name, List<String> domains, String profile) {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern PROFILE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /**
     * @param name identifies the certificate
     * @param domains the DNS names and IP addresses, at least one
     * @param profile the certificate profile, or {@code null} for the CA's
     * @throws IllegalArgumentException naming the offending value when the name or a domain is invalid
     */
    public ManagedCertificate {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(domains, "domains");
        if (!NAME.matcher(name).matches() || name.contains("..")) {
            throw new IllegalArgumentException("Certificate name '" + name + "' is invalid: use 1 to 64 of "
                    + "a-z 0-9 . _ - starting with a letter or digit (it names a directory in storage)");
        }
        if (domains.isEmpty()) {
            throw new IllegalArgumentException("Certificate '" + name + "' has no domain: give at least one");
        }
        var normalized = new LinkedHashSet<String>();
        for (var domain : domains) {
            var canonical = normalize(domain);
            if (!normalized.add(canonical)) {
                throw new IllegalArgumentException("Certificate '" + name + "' lists " + canonical + " twice");
            }
        }
        domains = List.copyOf(normalized);
        if (profile != null) {
            checkProfile(profile, "Certificate '" + name + "'");
        }
    }

    /**
     * A certificate ordered with the CA's profile.
     *
     * @param name identifies the certificate
     * @param domains the DNS names and IP addresses, at least one
     */
    public ManagedCertificate(String name, List<String> domains) {
        this(name, domains, null);
    }

    /**
     * This certificate, ordered with {@code profile}, which the CA must advertise (an order fails with those it
     * does).
     *
     * @param profile the profile's name
     * @return a copy with the profile
     * @throws IllegalArgumentException if {@code profile} is not a profile name
     */
    public ManagedCertificate withProfile(String profile) {
        return new ManagedCertificate(name, domains, Objects.requireNonNull(profile, "profile"));
    }

    static void checkProfile(String profile, String owner) {
        if (!PROFILE.matcher(profile).matches()) {
            throw new IllegalArgumentException(owner + ": profile '" + profile + "' is not a profile name such as "
                    + "classic, tlsserver or shortlived (1 to 64 of A-Z a-z 0-9 . _ -)");
        }
    }

    /**
     * A certificate for {@code domains}, named after the first one in its normalized form: lower-case ASCII,
     * {@code *.} as {@code wildcard_.}, an IPv6 address as {@code ipv6_} and its text with {@code -} for {@code :},
     * and a name longer than 64 characters cut to 31 followed by {@code -} and 32 hex digits of its SHA-256 digest
     * (so that nobody can find another name that is stored under the same one). Any valid domain gives a valid
     * name.
     *
     * @param domains the DNS names and IP addresses, at least one
     * @return the certificate
     * @throws IllegalArgumentException if a domain is invalid
     */
    public static ManagedCertificate of(String... domains) {
        if (domains.length == 0) {
            throw new IllegalArgumentException("A certificate needs at least one domain");
        }
        return new ManagedCertificate(nameFor(normalize(domains[0])), List.of(domains));
    }

    private static String nameFor(String domain) {
        var name = domain.startsWith("*.") ? "wildcard_" + domain.substring(1)
                : domain.indexOf(':') >= 0 ? "ipv6_" + domain.replace(':', '-') : domain;
        if (name.length() <= 64) {
            return name;
        }
        try {
            var digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.US_ASCII));
            return name.substring(0, 31) + "-" + HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /**
     * Whether any domain is a wildcard.
     *
     * @return whether a domain starts with {@code *.}
     */
    public boolean hasWildcard() {
        return domains.stream().anyMatch(d -> d.startsWith("*."));
    }

    /**
     * Whether {@code name} is already what {@link #normalize} makes of it and valid: lower-case letters, digits and
     * hyphens in 2 or more labels of 1 to 63 characters, no hyphen at either end of a label, not all digits and dots
     * (an IPv4 address), at most 253 characters, no trailing dot, no wildcard. A name this rejects is judged by the
     * full rules.
     */
    private static boolean isNormalHostName(String name) {
        var length = name.length();
        if (length == 0 || length > 253) {
            return false;
        }
        var labels = 1;
        var labelStart = 0;
        var letters = false;
        for (int i = 0; i < length; i++) {
            var c = name.charAt(i);
            if (c == '.') {
                if (i == labelStart || i - labelStart > 63 || name.charAt(i - 1) == '-') {
                    return false;
                }
                labels++;
                labelStart = i + 1;
            } else if (c == '-') {
                if (i == labelStart) {
                    return false;
                }
                letters = true;
            } else if (c >= 'a' && c <= 'z') {
                letters = true;
            } else if (c < '0' || c > '9') {
                return false;
            }
        }
        return labels >= 2 && labelStart < length && length - labelStart <= 63 && name.charAt(length - 1) != '-'
                && letters;
    }

    /**
     * Why none of {@code responders} can validate some name of this certificate (a wildcard needs DNS-01, an IP
     * address HTTP-01 or TLS-ALPN-01), saying what to add; null when they can.
     */
    String unvalidatable(List<? extends ChallengeResponder> responders) {
        var dns = responders.stream().anyMatch(r -> r instanceof Dns01Responder || r instanceof DnsPersist01Responder);
        var direct = responders.stream()
                .anyMatch(r -> r instanceof Http01Responder || r instanceof TlsAlpn01Responder);
        for (var domain : domains) {
            if (domain.startsWith("*.") && !dns) {
                return "Wildcard " + domain + " (certificate '" + name + "') can only be validated by dns-01 or "
                        + "dns-persist-01: add a Dns01Responder or DnsPersist01Responder to challenges(...)";
            }
            if (!direct && IpAddresses.looksLikeIp(domain)) {
                return "IP address " + domain + " (certificate '" + name + "') can only be validated by http-01 or "
                        + "tls-alpn-01, never by DNS: add an InMemoryHttp01Responder or InMemoryTlsAlpn01Responder to "
                        + "challenges(...)";
            }
        }
        return null;
    }

    /**
     * A name as certificates hold it: a DNS name in lower-case ASCII (IDNA), without a trailing dot, a wildcard only
     * as the whole left-most label; an IP address in its canonical text (RFC 5952 for IPv6). Returns
     * {@code domain} itself when it is already so. For comparing a name from a request with managed ones.
     *
     * @param domain a DNS name or IP address
     * @return the normalized name
     * @throws IllegalArgumentException naming the domain and what is wrong with it
     */
    public static String normalize(String domain) {
        Objects.requireNonNull(domain, "domain");
        if (isNormalHostName(domain)) {
            return domain; // the common case, without IDN conversion and patterns: a million names load in a second
        }
        var text = domain.trim();
        if (text.endsWith(".")) {
            text = text.substring(0, text.length() - 1);
        }
        if (text.isEmpty()) {
            throw new IllegalArgumentException("Domain must not be empty");
        }
        if (IpAddresses.looksLikeIp(text)) {
            var ip = IpAddresses.canonical(text);
            if (ip == null) {
                throw new IllegalArgumentException("'" + domain + "' is neither a DNS name nor an IP address such "
                        + "as 192.0.2.7 or 2001:db8::7 (no zone index, no port)");
            }
            return ip;
        }
        var wildcard = text.startsWith("*.");
        var rest = wildcard ? text.substring(2) : text;
        if (rest.contains("*")) {
            throw new IllegalArgumentException("'" + domain + "' is not a valid DNS name: a wildcard must be the "
                    + "whole left-most label, as in *.example.com");
        }
        String ascii;
        try {
            ascii = IDN.toASCII(rest, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + domain + "' is not a valid DNS name: " + e.getMessage(), e);
        }
        var labels = new ArrayList<>(List.of(ascii.split("\\.", -1)));
        if (labels.size() < 2) {
            throw new IllegalArgumentException("'" + domain + "' is not a fully qualified name such as example.com");
        }
        for (var label : labels) {
            if (!LABEL.matcher(label).matches()) {
                throw new IllegalArgumentException("'" + domain + "' is not a valid DNS name: bad label '"
                        + label + "'");
            }
        }
        if (ascii.length() > 253) {
            throw new IllegalArgumentException("'" + domain + "' is longer than 253 characters");
        }
        var result = wildcard ? "*." + ascii : ascii;
        return result.equals(domain) ? domain : result; // one string, not two, when it was normal already
    }
}

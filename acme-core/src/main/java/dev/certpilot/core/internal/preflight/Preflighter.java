package dev.certpilot.core.internal.preflight;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CAARecord;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

import dev.certpilot.core.CertpilotException;
import dev.certpilot.core.ManagedCertificate;
import dev.certpilot.core.Preflight;
import dev.certpilot.core.PreflightReport;
import dev.certpilot.core.PreflightReport.Check;
import dev.certpilot.core.PreflightReport.Finding;
import dev.certpilot.core.PreflightReport.Outcome;
import dev.certpilot.core.internal.acme.Issuer;
import dev.certpilot.core.internal.base.BoundedExchange;
import dev.certpilot.core.internal.base.IpAddresses;
import dev.certpilot.core.spi.ChallengeResponder;
import dev.certpilot.core.spi.Dns01Responder;
import dev.certpilot.core.spi.Http01Responder;
import dev.certpilot.core.spi.TlsAlpn01Responder;

/**
 * Checks what the CA will check, before an order: DNS, CAA (RFC 8659), an HTTP-01 probe of each address, fetched
 * as the CA fetches it, and for the other challenge types configured a TLS-ALPN-01 handshake ({@link TlsAlpnProbe})
 * and a DNS-01 probe record ({@link DnsProbe}). Each probe goes to one address, through the JDK's HTTP client with that address as its
 * proxy: a plain-HTTP server reached as a proxy is sent {@code GET http://NAME/...}, which it answers as a request
 * for NAME. Thread-safe.
 */
public final class Preflighter {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.preflight");
    private static final int MAX_REDIRECTS = 10;
    private static final String NO_IDENTITIES = "the CA names no CAA identity in its directory "
            + "(Preflight.Builder.caaIdentities gives it)";

    private final Preflight settings;
    private final List<ChallengeResponder> responders;
    private final SecureRandom random = new SecureRandom();
    private final DnsQueries dns;

    /**
     * @param settings   what to check, and how
     * @param responders the manager's responders: the HTTP-01 probe is published through the first HTTP-01 one
     */
    public Preflighter(Preflight settings, List<ChallengeResponder> responders) {
        this.settings = settings;
        this.responders = List.copyOf(responders);
        this.dns = new DnsQueries(settings);
    }

    /**
     * Checks {@code certificate}'s domains for {@code issuer}'s CA; a CA out of reach leaves CAA unchecked against
     * its identities (the order that follows reports the CA itself).
     *
     * @param certificate the certificate about to be ordered
     * @param issuer      the CA's client: its CAA identities and this account's URL
     * @return what was found
     */
    public PreflightReport check(ManagedCertificate certificate, Issuer issuer) {
        try {
            return check(certificate, issuer.caaIdentities(), issuer.accountUri(), NO_IDENTITIES);
        } catch (CertpilotException e) {
            LOG.warn("Preflight of {}: the CA {} could not be asked for its CAA identities: {}", certificate.name(),
                    issuer.ca().directory(), e.getMessage());
            return check(certificate, List.of(), null, "the CA could not be asked which CAA names are its own ("
                    + e.getMessage() + ")");
        }
    }

    /**
     * Checks {@code certificate}'s domains.
     *
     * @param certificate   the certificate about to be ordered
     * @param caaIdentities the CA's CAA identities (its directory's {@code caaIdentities}); empty if it names none
     * @param accountUri    this account's URL, for CAA's {@code accounturi}; null if not known
     * @return what was found
     */
    public PreflightReport check(ManagedCertificate certificate, List<String> caaIdentities, URI accountUri) {
        return check(certificate, caaIdentities, accountUri, NO_IDENTITIES);
    }

    /** @param noIdentities why CAA is not checked when neither the CA nor the settings name its identities */
    private PreflightReport check(ManagedCertificate certificate, List<String> caaIdentities, URI accountUri,
                                  String noIdentities) {
        var identities = caaIdentities.isEmpty() ? settings.caaIdentities() : caaIdentities;
        var findings = new ArrayList<Finding>();
        var types = new HashSet<String>();
        responders.forEach(responder -> types.add(responder.challengeType()));
        var http01 = first(Http01Responder.class);
        var tlsAlpn01 = first(TlsAlpn01Responder.class);
        var dns01 = first(Dns01Responder.class);
        for (var domain : certificate.domains()) {
            var wildcard = domain.startsWith("*.");
            var ip = IpAddresses.looksLikeIp(domain);
            var name = wildcard ? domain.substring(2) : domain;
            List<InetAddress> addresses = List.of();
            if (ip) {
                addresses = literal(domain);
            } else if (skipped(Check.DNS)) {
                findings.add(skippedAsConfigured(domain, Check.DNS));
            } else {
                try {
                    addresses = dns.addresses(name);
                    findings.add(addresses.isEmpty()
                            ? new Finding(domain, Check.DNS, Outcome.FAILED, name + " has no A or AAAA record",
                                    "Point " + name + " at this server's public address (an A record, and an AAAA "
                                            + "record only if this server answers on IPv6)")
                            : new Finding(domain, Check.DNS, Outcome.PASSED, name + " is " + addresses.stream()
                                    .map(IpAddresses::text).toList(), ""));
                } catch (IOException e) {
                    findings.add(new Finding(domain, Check.DNS, Outcome.FAILED, "resolving " + name + " failed: "
                            + e.getMessage(), "Check that " + name + " exists in DNS and its servers answer"));
                }
            }
            if (!ip) {
                findings.add(caa(domain, name, wildcard, identities, accountUri, types, noIdentities));
            }
            // each challenge type the CA may validate this domain by; one that passes lets the order go ahead
            var byType = new ArrayList<List<Finding>>();
            if (http01 != null && !wildcard) {
                byType.add(skipped(Check.HTTP_01) ? List.of(skippedAsConfigured(domain, Check.HTTP_01))
                        : addresses.isEmpty() ? List.of() : probe(http01, domain, addresses));
            }
            if (tlsAlpn01 != null && !wildcard) {
                byType.add(skipped(Check.TLS_ALPN_01) ? List.of(skippedAsConfigured(domain, Check.TLS_ALPN_01))
                        : addresses.isEmpty() ? List.of() : TlsAlpnProbe.run(settings, tlsAlpn01, domain, addresses));
            }
            if (dns01 != null && !ip) {
                byType.add(List.of(skipped(Check.DNS_01) ? skippedAsConfigured(domain, Check.DNS_01)
                        : new DnsProbe(settings, dns).run(dns01, domain, name)));
            }
            findings.addAll(alternatives(byType));
        }
        var report = new PreflightReport(certificate.name(), findings);
        for (var finding : findings) {
            if (finding.outcome() == Outcome.SKIPPED) {
                LOG.info("Preflight of {}: {} {} skipped: {}", certificate.name(), finding.check(), finding.domain(),
                        finding.evidence());
            }
        }
        return report;
    }

    private <T extends ChallengeResponder> T first(Class<T> type) {
        return responders.stream().filter(type::isInstance).map(type::cast).findFirst().orElse(null);
    }

    private static Finding skippedAsConfigured(String domain, Check check) {
        return new Finding(domain, check, Outcome.SKIPPED, "skipped as configured", "");
    }

    /**
     * The findings of every challenge type; when one type passed for the domain, the failures of the others are
     * warnings: the engine falls back to the type that works.
     */
    private static List<Finding> alternatives(List<List<Finding>> byType) {
        var passing = byType.stream().anyMatch(findings -> !findings.isEmpty()
                && findings.stream().allMatch(finding -> finding.outcome() == Outcome.PASSED));
        return byType.stream().flatMap(List::stream).map(finding -> passing && finding.outcome() == Outcome.FAILED
                ? new Finding(finding.domain(), finding.check(), Outcome.WARNED, finding.evidence(), finding.fix())
                : finding).toList();
    }

    private static List<InetAddress> literal(String address) {
        try {
            return List.of(InetAddress.getByName(address)); // an IP literal: no lookup
        } catch (IOException e) {
            return List.of();
        }
    }

    private boolean skipped(Check check) {
        return settings.skipped().contains(check);
    }

    // ---- CAA (RFC 8659)

    private Finding caa(String domain, String name, boolean wildcard, List<String> identities, URI accountUri,
                        Set<String> types, String noIdentities) {
        if (skipped(Check.CAA)) {
            return new Finding(domain, Check.CAA, Outcome.SKIPPED, "skipped as configured", "");
        }
        if (identities.isEmpty()) {
            return new Finding(domain, Check.CAA, Outcome.SKIPPED, noIdentities, "");
        }
        try {
            // the relevant record set: the closest to the name, climbing to the parent
            var labels = name.split("\\.");
            for (int i = 0; i < labels.length; i++) {
                var at = String.join(".", List.of(labels).subList(i, labels.length));
                var records = new ArrayList<CAARecord>();
                for (var record : dns.lookup(at, Type.CAA)) {
                    if (record instanceof CAARecord caa) {
                        records.add(caa);
                    }
                }
                if (!records.isEmpty()) {
                    return judge(domain, at, records, wildcard, identities, accountUri, types);
                }
            }
            return new Finding(domain, Check.CAA, Outcome.PASSED, "no CAA record: every CA may issue", "");
        } catch (IOException e) {
            return new Finding(domain, Check.CAA, Outcome.FAILED, "the CAA lookup failed: " + e.getMessage()
                    + " (the CA refuses to issue when it cannot look)", "Check that the DNS servers of " + name
                    + " answer CAA queries (an empty answer is fine)");
        }
    }

    private static Finding judge(String domain, String at, List<CAARecord> records, boolean wildcard,
                                 List<String> identities, URI accountUri, Set<String> types) {
        var tag = wildcard && records.stream().anyMatch(r -> r.getTag().equalsIgnoreCase("issuewild"))
                ? "issuewild" : "issue";
        var relevant = records.stream().filter(r -> r.getTag().equalsIgnoreCase(tag)).toList();
        var shown = records.stream().map(r -> r.getFlags() + " " + r.getTag() + " \"" + r.getValue() + "\"").toList();
        if (relevant.isEmpty()) {
            return new Finding(domain, Check.CAA, Outcome.PASSED, "CAA at " + at + " " + shown + " has no " + tag
                    + " property: every CA may issue", "");
        }
        var reasons = new ArrayList<String>();
        for (var record : relevant) {
            var parts = record.getValue().split(";");
            var issuer = parts[0].trim().toLowerCase(Locale.ROOT);
            if (!identities.contains(issuer)) {
                continue;
            }
            var allowed = true;
            for (int i = 1; i < parts.length; i++) {
                var parameter = parts[i].trim().split("=", 2);
                if (parameter.length != 2) {
                    continue;
                }
                var key = parameter[0].trim().toLowerCase(Locale.ROOT);
                var value = parameter[1].trim();
                if (key.equals("accounturi") && accountUri != null && !value.equals(accountUri.toString())) {
                    allowed = false;
                    reasons.add(issuer + " only for the account " + value + ", not this one (" + accountUri + ")");
                } else if (key.equals("validationmethods")) {
                    var methods = Set.of(value.toLowerCase(Locale.ROOT).split(","));
                    if (types.stream().noneMatch(methods::contains)) {
                        allowed = false;
                        reasons.add(issuer + " only by " + value + ", and this manager validates by " + types);
                    }
                }
            }
            if (allowed) {
                return new Finding(domain, Check.CAA, Outcome.PASSED, "CAA at " + at + " allows " + issuer, "");
            }
        }
        return new Finding(domain, Check.CAA, Outcome.FAILED, "CAA at " + at + " " + shown + " does not allow this CA ("
                + String.join(", ", identities) + ")" + (reasons.isEmpty() ? "" : ": " + String.join("; ", reasons)),
                "Add a CAA record to " + at + ": 0 " + tag + " \"" + identities.get(0) + "\" (or remove the CAA records "
                        + "to allow every CA)");
    }

    // ---- HTTP-01

    private List<Finding> probe(Http01Responder responder, String domain, List<InetAddress> addresses) {
        var token = "certpilot-preflight-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(18));
        var answer = token + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(32));
        var findings = new ArrayList<Finding>();
        try {
            responder.deploy(domain, token, answer);
        } catch (IOException e) {
            findings.add(new Finding(domain, Check.HTTP_01, Outcome.FAILED, "the probe could not be published: " + e,
                    "Check the HTTP-01 responder"));
            return findings;
        }
        try {
            for (var address : addresses) {
                findings.add(probe(domain, address, token, answer));
            }
        } finally {
            try {
                responder.remove(domain, token);
            } catch (IOException e) {
                LOG.debug("Removing the preflight probe of {} failed: {}", domain, e.toString());
            }
        }
        return findings;
    }

    private byte[] bytes(int count) {
        var bytes = new byte[count];
        random.nextBytes(bytes);
        return bytes;
    }

    private Finding probe(String domain, InetAddress address, String token, String answer) {
        var kind = address.getAddress().length == 16 ? "AAAA " : "A ";
        var where = kind + IpAddresses.text(address);
        var url = URI.create("http://" + (domain.contains(":") ? "[" + domain + "]" : domain)
                + (settings.httpPort() == 80 ? "" : ":" + settings.httpPort()) + "/.well-known/acme-challenge/" + token);
        var target = address;
        var hops = new ArrayList<String>();
        try {
            for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
                var port = url.getPort() == -1 ? 80 : url.getPort();
                var response = get(url, new InetSocketAddress(target, port));
                var status = response.statusCode();
                if (status >= 300 && status < 400 && response.headers().firstValue("Location").isPresent()) {
                    var location = url.resolve(response.headers().firstValue("Location").get());
                    hops.add(status + " to " + location);
                    if ("https".equalsIgnoreCase(location.getScheme())) {
                        if (domain.equalsIgnoreCase(location.getHost())) {
                            return new Finding(domain, Check.HTTP_01, Outcome.SKIPPED, where + ": redirected to "
                                    + location + "; the CA follows it to this name's HTTPS, not checked here", "");
                        }
                        return new Finding(domain, Check.HTTP_01, Outcome.FAILED, where + ": redirected to " + location
                                + " (another host): the CA follows it, and that host does not answer for this "
                                + "process", "Exempt /.well-known/acme-challenge/ from the redirect in the proxy or "
                                + "server in front (it must reach this process over plain HTTP)");
                    }
                    if (!"http".equalsIgnoreCase(location.getScheme()) || location.getHost() == null) {
                        return new Finding(domain, Check.HTTP_01, Outcome.FAILED, where + ": redirected to "
                                + location + ", which the CA does not follow", "Exempt /.well-known/acme-challenge/ "
                                + "from the redirect");
                    }
                    if (!location.getHost().equalsIgnoreCase(url.getHost())) {
                        var next = dns.addresses(location.getHost());
                        if (next.isEmpty()) {
                            return new Finding(domain, Check.HTTP_01, Outcome.FAILED, where + ": redirected to "
                                    + location + ", whose host does not resolve", "Exempt "
                                    + "/.well-known/acme-challenge/ from the redirect");
                        }
                        target = next.get(next.size() - 1);
                    }
                    url = location;
                    continue;
                }
                var body = response.body();
                if (status == 200 && body.trim().equals(answer)) {
                    return new Finding(domain, Check.HTTP_01, Outcome.PASSED, where + " answers the probe"
                            + (hops.isEmpty() ? "" : " after " + hops), "");
                }
                return new Finding(domain, Check.HTTP_01, Outcome.FAILED, where + (hops.isEmpty() ? "" : " (after "
                        + hops + ")") + " answers HTTP " + status + " with something else than this process's "
                        + "answer" + (body.isBlank() ? "" : ": " + summary(body)), "Something else answers port "
                        + settings.httpPort() + " for " + domain + " at " + address.getHostAddress() + ": route "
                        + "/.well-known/acme-challenge/ to this process (a proxy, a load balancer, another server)");
            }
            return new Finding(domain, Check.HTTP_01, Outcome.FAILED, where + ": more than " + MAX_REDIRECTS
                    + " redirects " + hops, "Remove the redirect loop for /.well-known/acme-challenge/");
        } catch (IOException e) {
            var aaaa = kind.startsWith("AAAA");
            return new Finding(domain, Check.HTTP_01, Outcome.FAILED, where + " does not answer on port "
                    + settings.httpPort() + ": " + e.getMessage(), aaaa ? "Remove the AAAA record of " + domain
                    + ", or make this server (or the proxy in front) answer on IPv6 too: the CA tries IPv6 first"
                    : "Open port " + settings.httpPort() + " to this server at " + address.getHostAddress()
                    + " (firewall, port forwarding, the server listening on it)");
        }
    }

    private HttpResponse<String> get(URI url, InetSocketAddress server) throws IOException {
        var client = HttpClient.newBuilder().proxy(ProxySelector.of(server)).connectTimeout(settings.timeout())
                .followRedirects(HttpClient.Redirect.NEVER).version(HttpClient.Version.HTTP_1_1).build();
        var request = HttpRequest.newBuilder(url).timeout(settings.timeout()).header("User-Agent",
                "certpilot-preflight").GET().build();
        try {
            return BoundedExchange.send(client, request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8),
                    settings.timeout());
        } catch (TimeoutException e) {
            throw new IOException("no answer within " + settings.timeout(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static String summary(String body) {
        var line = body.strip().replaceAll("\\s+", " ");
        return '"' + (line.length() > 80 ? line.substring(0, 80) + "..." : line) + '"';
    }
}

package dev.certpilot.core;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * What a preflight found for one certificate, check by check, before the CA was asked: {@link #passed()} tells
 * whether an order may go ahead, {@link #text()} says what is wrong and the fix. Immutable.
 *
 * @param certificate the managed certificate's name
 * @param findings    each check of each domain, in order
 */
public record PreflightReport(String certificate, List<Finding> findings) {

    /** What is checked. */
    public enum Check {
        /** The name resolves (A and AAAA, CNAMEs followed). */
        DNS,
        /** The CAA records (RFC 8659) allow this CA, this account and the challenge types configured. */
        CAA,
        /** Each address answers {@code http://NAME/.well-known/acme-challenge/} with this process's answer. */
        HTTP_01,
        /** Each address answers an {@code acme-tls/1} handshake on port 443 with this process's certificate. */
        TLS_ALPN_01,
        /** A probe TXT record at {@code _acme-challenge.NAME} is accepted and every authoritative server answers it. */
        DNS_01
    }

    /** How a check went. */
    public enum Outcome {
        /** As the CA needs it. */
        PASSED,
        /** The CA would refuse: no order is placed. */
        FAILED,
        /**
         * This challenge type would fail, but another configured one passed for the same domain, so the order goes
         * ahead and validates by that one.
         */
        WARNED,
        /** Not checked here, for the reason in the evidence; the CA's own check decides. */
        SKIPPED
    }

    /**
     * One check of one domain.
     *
     * @param domain   the domain
     * @param check    what was checked
     * @param outcome  how it went
     * @param evidence what was seen, such as {@code AAAA 2001:db8::1: connection refused on port 80}
     * @param fix      what to do when it failed; empty otherwise
     */
    public record Finding(String domain, Check check, Outcome outcome, String evidence, String fix) {

        /**
         * Requires the fields; null texts become empty.
         *
         * @param domain   the domain
         * @param check    what was checked
         * @param outcome  how it went
         * @param evidence what was seen
         * @param fix      what to do, or empty
         */
        public Finding {
            Objects.requireNonNull(domain, "domain");
            Objects.requireNonNull(check, "check");
            Objects.requireNonNull(outcome, "outcome");
            evidence = evidence == null ? "" : evidence;
            fix = fix == null ? "" : fix;
        }
    }

    /**
     * Copies the findings.
     *
     * @param certificate the managed certificate's name
     * @param findings    each check of each domain
     */
    public PreflightReport {
        Objects.requireNonNull(certificate, "certificate");
        findings = List.copyOf(findings);
    }

    /**
     * Whether no check failed.
     *
     * @return whether an order may go ahead
     */
    public boolean passed() {
        return failures().isEmpty();
    }

    /**
     * The checks that failed.
     *
     * @return the failed findings, in order
     */
    public List<Finding> failures() {
        return findings.stream().filter(finding -> finding.outcome() == Outcome.FAILED).toList();
    }

    /**
     * Every finding, one a line: {@code FAILED HTTP_01 shop.example.com: AAAA ... Fix: ...}.
     *
     * @return the text
     */
    public String text() {
        return findings.stream().map(finding -> finding.outcome() + " " + finding.check() + " " + finding.domain()
                + ": " + finding.evidence() + (finding.fix().isEmpty() ? "" : ". Fix: " + finding.fix()))
                .collect(Collectors.joining("\n"));
    }
}

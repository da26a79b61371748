package dev.certpilot.core;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * What a {@link dev.certpilot.core.spi.Notifier} is asked to tell an operator: one problem of one certificate (or
 * its end), or a digest of several that arose together. Its {@link #subject()} and {@link #text()} are the message
 * as certpilot words it; the fields are there for notifiers that lay it out their own way. It never holds a key, a
 * token, a password or an EAB secret. Immutable.
 *
 * @param kind        what happened
 * @param certificate the managed certificate's name; {@code *} for a digest
 * @param domains     its domains; empty for a digest
 * @param summary     one line saying what happened
 * @param detail      what failed, in the CA's (or the store's) own words; empty when nothing failed
 * @param attempts    the attempts that failed in a row so far; 0 when nothing failed
 * @param nextAttempt when certpilot tries again, or null when nothing is pending
 * @param fix         what to do about it, when certpilot knows; empty otherwise
 * @param time        when it happened, by the manager's clock
 * @param items       the notices a digest gathers; empty for any other kind
 */
public record Notice(Kind kind, String certificate, List<String> domains, String summary, String detail, int attempts,
                     Instant nextAttempt, String fix, Instant time, List<Notice> items) {

    /** What a notice is about. */
    public enum Kind {
        /** The CA has not issued a first certificate yet: the bootstrap certificate is served. */
        NOT_OBTAINED,
        /** Renewal keeps failing and the served certificate expires soon. */
        EXPIRING,
        /** Renewal keeps failing and the served certificate has expired: browsers refuse it. */
        EXPIRED,
        /** The served certificate was revoked at the CA; a new one is being obtained. */
        REVOKED,
        /**
         * The CA asked to renew the served certificate well ahead of schedule (ARI), as before a mass revocation; it
         * is being renewed. The all-clear ({@link #RECOVERED}) follows once the new one is served.
         */
        RENEWAL_REQUESTED,
        /** Orders failed with one CA and go to the next one configured. */
        CA_FAILOVER,
        /** The store cannot save: certificates are served from memory and lost at a restart. */
        STORAGE_FAILING,
        /** A certificate was issued (sent only when asked for: {@link Notifications.Builder#onIssuance()}). */
        ISSUED,
        /** The problem told before is over: a certificate from the CA is served. */
        RECOVERED,
        /** Several notices that arose together, in {@link #items()}. */
        DIGEST
    }

    /**
     * Copies the lists; null texts become empty.
     *
     * @param kind        what happened
     * @param certificate the managed certificate's name
     * @param domains     its domains
     * @param summary     one line saying what happened
     * @param detail      what failed, or empty
     * @param attempts    the attempts that failed in a row
     * @param nextAttempt the next attempt, or null
     * @param fix         what to do, or empty
     * @param time        when it happened
     * @param items       a digest's notices, or empty
     */
    public Notice {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(summary, "summary");
        Objects.requireNonNull(time, "time");
        domains = List.copyOf(domains);
        detail = detail == null ? "" : detail;
        fix = fix == null ? "" : fix;
        items = List.copyOf(items);
    }

    /**
     * A digest of {@code items}, which arose together.
     *
     * @param items the notices, at least two
     * @param time  when the digest was made
     * @return the digest
     */
    public static Notice digest(List<Notice> items, Instant time) {
        var problems = items.stream().filter(item -> item.kind() != Kind.RECOVERED && item.kind() != Kind.ISSUED)
                .count();
        var summary = items.size() + " certificates need attention" + (problems < items.size()
                ? " (" + problems + " problems, " + (items.size() - problems) + " resolved or issued)" : "");
        return new Notice(Kind.DIGEST, "*", List.of(), summary, "", 0, null, "", time, items);
    }

    /**
     * A mail subject or chat headline: {@code [certpilot] shop: renewal keeps failing, expires in 2 days}.
     *
     * @return the subject, one line
     */
    public String subject() {
        return kind == Kind.DIGEST ? "[certpilot] " + summary : "[certpilot] " + certificate + ": " + summary;
    }

    /**
     * The whole message as plain text: what happened, to which domains, the CA's words, what was tried, when the
     * next attempt is, and the fix; for a digest, each notice in turn.
     *
     * @return the text, several lines
     */
    public String text() {
        if (kind == Kind.DIGEST) {
            return summary + ":\n\n" + items.stream().map(Notice::text).collect(Collectors.joining("\n\n"));
        }
        var text = new StringBuilder();
        text.append(certificate).append(" (").append(String.join(", ", domains)).append("): ").append(summary)
                .append('\n');
        if (!detail.isEmpty()) {
            text.append("What failed: ").append(detail).append('\n');
        }
        if (attempts > 0) {
            text.append("Attempts that failed in a row: ").append(attempts).append('\n');
        }
        if (nextAttempt != null) {
            text.append("Next attempt: ").append(nextAttempt).append('\n');
        }
        if (!fix.isEmpty()) {
            text.append("What to do: ").append(fix).append('\n');
        }
        return text.append("At: ").append(time).toString();
    }
}

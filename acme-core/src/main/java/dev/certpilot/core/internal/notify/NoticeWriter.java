package dev.certpilot.core.internal.notify;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import dev.certpilot.core.AcmeServerException;
import dev.certpilot.core.CaTimeoutException;
import dev.certpilot.core.CaUnreachableException;
import dev.certpilot.core.CertpilotException;
import dev.certpilot.core.ChallengeFailedException;
import dev.certpilot.core.Notice;
import dev.certpilot.core.RateLimitedException;
import dev.certpilot.core.StorageException;

/** Words each notice: its summary and, from the failure, the fix certpilot knows. Stateless. */
final class NoticeWriter {

    private NoticeWriter() {
    }

    static Notice problem(Notice.Kind kind, String name, List<String> domains, String summary,
                          CertpilotException cause, int attempts, Instant nextAttempt, Instant time) {
        return new Notice(kind, name, domains, summary, cause == null ? "" : cause.getMessage(), attempts,
                nextAttempt, fix(kind, cause), time, List.of());
    }

    static Notice info(Notice.Kind kind, String name, List<String> domains, String summary, Instant time) {
        return new Notice(kind, name, domains, summary, "", 0, null, "", time, List.of());
    }

    static String expiry(Duration remaining) {
        if (remaining.isNegative()) {
            return "renewal keeps failing, and the certificate expired " + words(remaining.negated()) + " ago";
        }
        return "renewal keeps failing, and the certificate expires in " + words(remaining);
    }

    static String words(Duration duration) {
        if (duration.toDays() >= 2) {
            return duration.toDays() + " days";
        }
        if (duration.toHours() >= 2) {
            return duration.toHours() + " hours";
        }
        if (duration.toMinutes() >= 2) {
            return duration.toMinutes() + " minutes";
        }
        return Math.max(0, duration.toSeconds()) + " seconds";
    }

    /** A key that changes when the problem does: its kind, and what failed (the exception's type and CA problem). */
    static String signature(Notice.Kind kind, CertpilotException cause) {
        if (cause == null) {
            return kind.name();
        }
        var problem = cause instanceof AcmeServerException server ? server.problemType().orElse("") : "";
        return kind + "/" + cause.getClass().getSimpleName() + "/" + problem;
    }

    private static String fix(Notice.Kind kind, CertpilotException cause) {
        if (kind == Notice.Kind.REVOKED) {
            return "Nothing, unless you did not ask for it: then find out who holds the account key or the "
                    + "certificate's key. A new certificate is being obtained.";
        }
        if (kind == Notice.Kind.RENEWAL_REQUESTED) {
            return "Nothing: it is being renewed inside the CA's window, which Let's Encrypt exempts from its rate "
                    + "limits. An all-clear follows; if none does, the certificate may be revoked before a new one is "
                    + "served, so check the CA's announcement.";
        }
        if (cause instanceof ChallengeFailedException) {
            return "Make sure the CA reaches this process for every domain: for http-01, "
                    + "http://DOMAIN/.well-known/acme-challenge/ on port 80 (check the A and AAAA records, the "
                    + "firewall, and any proxy or redirect in between); for tls-alpn-01, port 443; for dns-01, the "
                    + "TXT record at _acme-challenge.DOMAIN.";
        }
        if (cause instanceof RateLimitedException limited) {
            return "Wait for the CA's rate limit" + limited.retryAfter().map(at -> " (until " + at + ")").orElse("")
                    + "; certpilot retries by itself, and a restart would not help.";
        }
        if (cause instanceof CaTimeoutException || cause instanceof CaUnreachableException) {
            return "Check that this host reaches the CA's directory over HTTPS (outbound firewall, proxy, DNS).";
        }
        if (cause instanceof StorageException storage) {
            return "Make the storage at " + storage.location() + " writable again (disk space, permissions, the "
                    + "database); certificates are served from memory meanwhile and lost at a restart.";
        }
        if (cause instanceof AcmeServerException server && server.problemType().orElse("").endsWith(":caa")) {
            return "Allow the CA in the domain's CAA records (issue, or issuewild for a wildcard), or remove them.";
        }
        return "";
    }
}

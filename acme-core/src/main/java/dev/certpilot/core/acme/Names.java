package dev.certpilot.core.acme;

import java.util.Locale;

/** Domain names as the dns-persist-01 draft compares them. Stateless. */
final class Names {

    private Names() {
    }

    /** {@code name} in lower case without a trailing dot. */
    static String issuer(String name) {
        var lower = name.trim().toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }
}

package dev.certpilot.core.internal.base;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * IP addresses as certificate identifiers (RFC 8738): recognized and written in one canonical text form (IPv4
 * dotted decimal, IPv6 as RFC 5952 writes it), so that a name from the configuration, a Host header and the CA's
 * order compare equal. Never resolves a name. Stateless.
 */
public final class IpAddresses {

    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
            + "(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    /** What an IPv6 literal may look like: starting so that the JDK parses it and never looks it up as a name. */
    private static final Pattern IPV6_CHARACTERS = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]{1,44}");

    private IpAddresses() {
    }

    /**
     * Whether {@code name} looks like an address rather than a DNS name: digits and dots only, or a colon. For a name
     * {@link ManagedCertificate} normalized, whether it is an address.
     */
    public static boolean looksLikeIp(String name) {
        if (name.indexOf(':') >= 0) {
            return true;
        }
        for (int i = 0; i < name.length(); i++) {
            var c = name.charAt(i);
            if (c != '.' && (c < '0' || c > '9')) {
                return false;
            }
        }
        return !name.isEmpty();
    }

    /**
     * {@code text} in canonical form: IPv4 as four decimal numbers without leading zeros, IPv6 (with or without
     * brackets) in lower case with the longest run of zero groups written {@code ::}; null if it is not an address
     * literal. An IPv4-mapped IPv6 address is its IPv4 address.
     */
    public static String canonical(String text) {
        if (IPV4.matcher(text).matches()) {
            return text;
        }
        var literal = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        if (literal.indexOf(':') < 0 || !IPV6_CHARACTERS.matcher(literal).matches()) {
            return null;
        }
        try {
            return text(InetAddress.getByName(literal)); // a literal: parsed, never looked up
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** {@code address} in canonical form. */
    public static String text(InetAddress address) {
        return address instanceof Inet6Address ? ipv6(address.getAddress()) : address.getHostAddress();
    }

    /** The address bytes of {@code ip}, a canonical address. */
    static byte[] bytes(String ip) {
        try {
            return InetAddress.getByName(ip).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("Not an IP address: " + ip, e);
        }
    }

    /**
     * The reverse-mapping name of {@code ip} ({@code 4.3.2.1.in-addr.arpa}, or nibbles under {@code ip6.arpa}), which
     * a CA sends as SNI when it validates an address by TLS-ALPN-01 (RFC 8738, section 6).
     */
    public static String reverseName(String ip) {
        var bytes = bytes(ip);
        var name = new StringBuilder();
        if (bytes.length == 4) {
            for (int i = 3; i >= 0; i--) {
                name.append(bytes[i] & 0xff).append('.');
            }
            return name.append("in-addr.arpa").toString();
        }
        for (int i = bytes.length - 1; i >= 0; i--) {
            name.append(Character.forDigit(bytes[i] & 0xf, 16)).append('.')
                    .append(Character.forDigit((bytes[i] >> 4) & 0xf, 16)).append('.');
        }
        return name.append("ip6.arpa").toString();
    }

    /** RFC 5952, section 4: lower-case hex groups without leading zeros, the longest zero run (2 or more) as ::. */
    private static String ipv6(byte[] bytes) {
        var groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((bytes[2 * i] & 0xff) << 8) | (bytes[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            var start = i;
            while (i < 8 && groups[i] == 0) {
                i++;
            }
            if (i - start > bestLength) {
                bestStart = start;
                bestLength = i - start;
            }
        }
        var text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }
}

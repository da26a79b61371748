package dev.certpilot.core;

import java.math.BigInteger;
import java.util.Locale;

/**
 * Certificate serial numbers as text, the way {@code openssl x509 -serial} prints them, so that a serial in a log,
 * health or an endpoint can be searched for in the CA's logs and compared with what {@code openssl} shows: uppercase
 * hexadecimal, two digits per byte (leading zero kept). Stateless.
 */
public final class SerialNumbers {

    private SerialNumbers() {
    }

    /**
     * {@code serial} as {@code openssl x509 -serial} prints it, such as {@code 0A3F...}.
     *
     * @param serial a serial number
     * @return its hex form
     */
    public static String hex(BigInteger serial) {
        var text = serial.toString(16).toUpperCase(Locale.ROOT);
        return text.length() % 2 == 0 ? text : "0" + text;
    }
}

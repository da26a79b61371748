package dev.certpilot.core;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * External Account Binding credentials (RFC 8555 section 7.3.4), which CAs such as ZeroSSL, Google Trust
 * Services and many private CAs require to create an account. The CA shows both values in its console.
 * {@link #toString()} never shows the HMAC key. Immutable.
 *
 * @param keyId   the EAB key identifier
 * @param hmacKey the HMAC key, base64url-encoded as the CA shows it
 */
public record ExternalAccountBinding(String keyId, String hmacKey) {

    private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_-]+={0,2}");

    /**
     * @param keyId the key identifier the CA gave
     * @param hmacKey the MAC key the CA gave, base64url-encoded
     * @throws IllegalArgumentException if a value is empty or the HMAC key is not base64url
     */
    public ExternalAccountBinding {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(hmacKey, "hmacKey");
        if (keyId.isBlank()) {
            throw new IllegalArgumentException("EAB keyId must not be empty: copy the key id from the CA's console");
        }
        if (hmacKey.length() < 16 || !BASE64URL.matcher(hmacKey).matches()) {
            throw new IllegalArgumentException("EAB hmacKey of key id '" + keyId + "' must be the base64url text the "
                    + "CA shows (letters, digits, '-' and '_', at least 16 characters)");
        }
    }

    @Override
    public String toString() {
        return "ExternalAccountBinding[keyId=" + keyId + ", hmacKey=(hidden)]";
    }
}

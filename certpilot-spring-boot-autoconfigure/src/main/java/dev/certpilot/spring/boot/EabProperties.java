package dev.certpilot.spring.boot;

/**
 * The {@code certpilot.eab.*} settings: External Account Binding credentials, from the CA's console. Not thread-safe:
 * read once at start-up.
 */
public class EabProperties {

    /** The EAB key identifier. */
    private String keyId;

    /** The EAB HMAC key, base64url as the CA gives it. */
    private String hmacKey;

    /**
     * The EAB key identifier.
     *
     * @return the current value
     */
    public String getKeyId() {
        return keyId;
    }

    /**
     * The EAB key identifier.
     *
     * @param keyId the new value
     */
    public void setKeyId(String keyId) {
        this.keyId = keyId;
    }

    /**
     * The EAB HMAC key, base64url as the CA gives it.
     *
     * @return the current value
     */
    public String getHmacKey() {
        return hmacKey;
    }

    /**
     * The EAB HMAC key, base64url as the CA gives it.
     *
     * @param hmacKey the new value
     */
    public void setHmacKey(String hmacKey) {
        this.hmacKey = hmacKey;
    }
}

package dev.certpilot.jdbc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Encrypts private keys at rest with the application's AES key, by the JDK's AES-GCM: a new 96-bit nonce per value,
 * and the row's identity (table and name) as associated data, so that a value copied into another row does not
 * decrypt. The stored form is {@code aes-gcm:v1:<base64 of nonce and ciphertext>}. Once a key is set, text without
 * that prefix (a plaintext PEM) is refused, since whoever can write to the table could have put in a key they know;
 * only an explicit migration reads it (to be sealed at once by the store). Thread-safe.
 */
final class KeyEncryption {

    static final String PREFIX = "aes-gcm:v1:";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKey key;
    private final boolean migratePlaintext;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param key              the application's AES key, or null to store keys in plaintext
     * @param migratePlaintext whether a plaintext key is read (to be sealed) while a key is set
     */
    KeyEncryption(SecretKey key, boolean migratePlaintext) {
        this.key = key;
        this.migratePlaintext = migratePlaintext;
    }

    /** Whether {@code stored} is a plaintext key that is to be sealed now that a key is set (a migration). */
    boolean needsSealing(String stored) {
        return key != null && !stored.startsWith(PREFIX);
    }

    /** The text to store for {@code pem}, in the row named by {@code context}. */
    String seal(String pem, String context) throws IOException {
        if (key == null) {
            return pem;
        }
        try {
            var nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            var cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            var sealed = cipher.doFinal(pem.getBytes(StandardCharsets.UTF_8));
            var out = new byte[NONCE_BYTES + sealed.length];
            System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
            System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
            return PREFIX + Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IOException("Cannot encrypt a private key with the configured key (" + key.getAlgorithm()
                    + "): " + e.getMessage(), e);
        }
    }

    /**
     * The PEM stored as {@code stored} in the row named by {@code context}.
     *
     * @throws IOException naming the fix, if it is encrypted and no key, or another key, is configured: never a
     *                     corrupted entry, so that nothing is moved aside for a configuration mistake
     */
    String open(String stored, String context) throws IOException {
        if (!stored.startsWith(PREFIX)) {
            if (key != null && !migratePlaintext) {
                throw new PlaintextKeyException("The private key of " + context + " is stored in plaintext while "
                        + "private keys are encrypted: whoever can write to the database may have put in a key they "
                        + "know, so it is not used. If it was stored before encryption was turned on, turn on "
                        + "migratePlaintextKeys() (Spring Boot: certpilot.storage.migrate-plaintext-keys=true) once, "
                        + "and it is encrypted in place at its first read");
            }
            return stored;
        }
        if (key == null) {
            throw new IOException("The private key of " + context + " is encrypted, and no key is configured: give "
                    + "JdbcCertificateStore.Builder.encryptPrivateKeys the key it was written with");
        }
        try {
            var in = Base64.getDecoder().decode(stored.substring(PREFIX.length()));
            var cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE_BYTES));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            return new String(cipher.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException("The private key of " + context + " cannot be decrypted with the configured key: "
                    + "it was written with another key, or altered. Configure the key it was written with; nothing "
                    + "was changed", e);
        }
    }

    /** A plaintext key refused while encryption is on. */
    static final class PlaintextKeyException extends IOException {

        private static final long serialVersionUID = 1L;

        PlaintextKeyException(String message) {
            super(message);
        }
    }
}

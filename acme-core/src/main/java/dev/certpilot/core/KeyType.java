package dev.certpilot.core;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;

/**
 * The kind of key a certificate is issued for. A fresh key is generated for every certificate, renewals
 * included. EC P-256 is the default: the fastest handshakes and accepted by every current client.
 */
public enum KeyType {
    /** ECDSA on NIST P-256 (secp256r1). */
    EC_P256("EC", new ECGenParameterSpec("secp256r1")),
    /** ECDSA on NIST P-384 (secp384r1). */
    EC_P384("EC", new ECGenParameterSpec("secp384r1")),
    /** RSA, 2048-bit modulus. */
    RSA_2048("RSA", new RSAKeyGenParameterSpec(2048, RSAKeyGenParameterSpec.F4)),
    /** RSA, 3072-bit modulus. */
    RSA_3072("RSA", new RSAKeyGenParameterSpec(3072, RSAKeyGenParameterSpec.F4)),
    /** RSA, 4096-bit modulus. */
    RSA_4096("RSA", new RSAKeyGenParameterSpec(4096, RSAKeyGenParameterSpec.F4));

    private final String algorithm;
    private final AlgorithmParameterSpec spec;

    KeyType(String algorithm, AlgorithmParameterSpec spec) {
        this.algorithm = algorithm;
        this.spec = spec;
    }

    /**
     * The JCA key algorithm: {@code EC} or {@code RSA}.
     *
     * @return the algorithm's name
     */
    public String algorithm() {
        return algorithm;
    }

    /**
     * Generates a new key pair of this type with the platform's default secure random source.
     *
     * @return a new key pair
     */
    public KeyPair generate() {
        try {
            var generator = KeyPairGenerator.getInstance(algorithm);
            generator.initialize(spec);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The JDK cannot generate " + this + " keys", e);
        }
    }
}

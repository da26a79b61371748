package dev.certpilot.core.internal.base;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;

/**
 * Whether a private key belongs to a certificate's public key: for RSA, the modulus, as {@code openssl x509 -modulus}
 * compared with {@code openssl rsa -modulus} tells operators; for EC, a signature by the private key that the public
 * key verifies, made with the JDK's own provider (no heavier one is loaded for it). Stateless.
 */
public final class KeyPairs {

    private static final byte[] MESSAGE = "certpilot key pair check".getBytes(StandardCharsets.US_ASCII);

    private KeyPairs() {
    }

    /** True when {@code privateKey} is the private half of {@code publicKey}; false for another key. */
    public static boolean matches(PublicKey publicKey, PrivateKey privateKey) {
        if (publicKey instanceof RSAPublicKey rsa && privateKey instanceof RSAPrivateKey rsaPrivate) {
            return rsa.getModulus().equals(rsaPrivate.getModulus());
        }
        if (publicKey instanceof ECPublicKey ec && privateKey instanceof ECPrivateKey ecPrivate) {
            if (!ec.getParams().getOrder().equals(ecPrivate.getParams().getOrder())) {
                return false; // another curve
            }
            try {
                var signer = Signature.getInstance("SHA256withECDSA");
                signer.initSign(ecPrivate);
                signer.update(MESSAGE);
                var signature = signer.sign();
                var verifier = Signature.getInstance("SHA256withECDSA");
                verifier.initVerify(ec);
                verifier.update(MESSAGE);
                return verifier.verify(signature);
            } catch (GeneralSecurityException e) {
                return false;
            }
        }
        return publicKey.getAlgorithm().equals(privateKey.getAlgorithm());
    }
}

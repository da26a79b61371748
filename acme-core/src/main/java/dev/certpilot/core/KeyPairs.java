package dev.certpilot.core;

import java.math.BigInteger;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.jcajce.provider.asymmetric.util.EC5Util;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

/**
 * Whether a private key belongs to a certificate's public key, as {@code openssl x509 -modulus} compared with
 * {@code openssl rsa -modulus} tells operators: the RSA modulus, or the EC public point recomputed from the private
 * scalar. No signature is made. Stateless.
 */
final class KeyPairs {

    /**
     * The generators of the curves certpilot's key types use, by group order: Bouncy Castle keeps its precomputed
     * multiplication table on the point, so reusing these points makes a check about ten times cheaper. Constant.
     */
    private static final Map<BigInteger, ECPoint> GENERATORS = Stream.of("secp256r1", "secp384r1", "secp521r1")
            .map(CustomNamedCurves::getByName)
            .collect(Collectors.toUnmodifiableMap(X9ECParameters::getN, X9ECParameters::getG));

    private KeyPairs() {
    }

    /** True when {@code privateKey} is the private half of {@code publicKey}; false for another key. */
    static boolean matches(PublicKey publicKey, PrivateKey privateKey) {
        if (publicKey instanceof RSAPublicKey rsa && privateKey instanceof RSAPrivateKey rsaPrivate) {
            return rsa.getModulus().equals(rsaPrivate.getModulus());
        }
        if (publicKey instanceof ECPublicKey ec && privateKey instanceof ECPrivateKey ecPrivate) {
            var generator = GENERATORS.get(ecPrivate.getParams().getOrder());
            if (generator == null) {
                generator = EC5Util.convertSpec(ecPrivate.getParams()).getG();
            }
            var point = new FixedPointCombMultiplier().multiply(generator, ecPrivate.getS()).normalize();
            return point.getAffineXCoord().toBigInteger().equals(ec.getW().getAffineX())
                    && point.getAffineYCoord().toBigInteger().equals(ec.getW().getAffineY());
        }
        return publicKey.getAlgorithm().equals(privateKey.getAlgorithm());
    }
}

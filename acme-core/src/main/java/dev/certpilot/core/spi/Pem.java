package dev.certpilot.core.spi;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/**
 * PEM text of certificates and keys, as the file store writes them and other stores may keep them: written and read
 * through Bouncy Castle and the JDK, never by hand. Stateless; thread-safe.
 */
public final class Pem {

    private Pem() {
    }
    /**
     * Certificates as PEM ({@code BEGIN CERTIFICATE}), in order.
     *
     * @param certificates the certificates
     * @return the PEM text
     */

    public static String certificates(List<X509Certificate> certificates) {
        return write(certificates.toArray());
    }

    /**
     * PKCS#8 ({@code BEGIN PRIVATE KEY}), which every TLS server reads.
     *
     * @param key the private key
     * @return the PEM text
     */
    public static String privateKey(PrivateKey key) {
        try {
            return write(new JcaPKCS8Generator(key, null).generate());
        } catch (org.bouncycastle.util.io.pem.PemGenerationException e) {
            throw new IllegalStateException("Cannot encode a " + key.getAlgorithm() + " private key", e);
        }
    }

    /**
     * A key pair as its PKCS#8 private key followed by its public key ({@code BEGIN PUBLIC KEY}): the JDK's
     * PKCS#8 encoding of an EC key omits the public key, so it is written beside it.
     *
     * @param keyPair the key pair
     * @return the PEM text
     */
    public static String keyPair(KeyPair keyPair) {
        return privateKey(keyPair.getPrivate()) + write(keyPair.getPublic());
    }

    /**
     * Reads the certificates of PEM text, in order.
     *
     * @param pem PEM text
     * @return the certificates, in order
     * @throws IOException if the text holds no certificate or a malformed one
     */
    public static List<X509Certificate> readCertificates(String pem) throws IOException {
        try {
            var result = new ArrayList<X509Certificate>();
            for (var certificate : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                result.add((X509Certificate) certificate);
            }
            if (result.isEmpty()) {
                throw new IOException("no PEM certificate found");
            }
            return result;
        } catch (CertificateException e) {
            throw new IOException("malformed PEM certificate: " + e.getMessage(), e);
        }
    }

    /**
     * Reads a private key in PKCS#8, SEC1 or PKCS#1 form.
     *
     * @param pem PEM text
     * @return the private key
     * @throws IOException if the text holds no private key
     */
    public static PrivateKey readPrivateKey(String pem) throws IOException {
        var object = readObject(pem);
        var converter = new JcaPEMKeyConverter();
        if (object instanceof PrivateKeyInfo info) {
            return converter.getPrivateKey(info);
        }
        if (object instanceof PEMKeyPair pair) {
            return converter.getKeyPair(pair).getPrivate();
        }
        throw new IOException("no PEM private key found");
    }

    /**
     * Reads a key pair written by {@link #keyPair(KeyPair)}.
     *
     * @param pem PEM text
     * @return the key pair
     * @throws IOException if the text holds no key pair
     */
    public static KeyPair readKeyPair(String pem) throws IOException {
        var converter = new JcaPEMKeyConverter();
        PrivateKey privateKey = null;
        PublicKey publicKey = null;
        try (var parser = new PEMParser(new StringReader(pem))) {
            for (var object = parser.readObject(); object != null; object = parser.readObject()) {
                if (object instanceof PEMKeyPair pair) {
                    return converter.getKeyPair(pair);
                } else if (object instanceof PrivateKeyInfo info) {
                    privateKey = converter.getPrivateKey(info);
                } else if (object instanceof SubjectPublicKeyInfo info) {
                    publicKey = converter.getPublicKey(info);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException("malformed PEM: " + e.getMessage(), e);
        }
        if (privateKey == null || publicKey == null) {
            throw new IOException("expected a PRIVATE KEY and a PUBLIC KEY block");
        }
        return new KeyPair(publicKey, privateKey);
    }

    private static Object readObject(String pem) throws IOException {
        try (var parser = new PEMParser(new StringReader(pem))) {
            return parser.readObject();
        } catch (IOException | RuntimeException e) {
            throw new IOException("malformed PEM: " + e.getMessage(), e);
        }
    }

    private static String write(Object... objects) {
        var out = new StringWriter();
        try (var writer = new JcaPEMWriter(out)) {
            for (var object : objects) {
                writer.writeObject(object);
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot PEM-encode " + objects[0].getClass().getSimpleName(), e);
        }
        return out.toString();
    }
}

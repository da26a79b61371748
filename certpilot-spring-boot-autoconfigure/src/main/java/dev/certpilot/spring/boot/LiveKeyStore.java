package dev.certpilot.spring.boot;

import java.io.InputStream;
import java.io.OutputStream;
import java.security.Key;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.KeyStoreSpi;
import java.security.cert.Certificate;
import java.util.Collections;
import java.util.Date;
import java.util.Enumeration;
import java.util.Optional;

import dev.certpilot.core.CertificateBundle;
import dev.certpilot.core.CertificateManager;

/**
 * A read-only key store of one entry, the certificate the manager serves now under one name: whoever reads it (Spring
 * Boot's {@code ssl} health, servers that read key stores) sees the CA's certificate once it is served, then each
 * renewal, not the bootstrap certificate the bundle was registered with. Thread-safe.
 */
final class LiveKeyStore {

    private LiveKeyStore() {
    }

    /** A loaded key store whose one alias, {@code name}, is the manager's current certificate of that name. */
    static KeyStore of(CertificateManager manager, String name) {
        var store = new KeyStore(new Spi(manager, name), null, "certpilot") { };
        try {
            store.load(null, null);
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        return store;
    }

    private static final class Spi extends KeyStoreSpi {

        private final CertificateManager manager;
        private final String name;

        Spi(CertificateManager manager, String name) {
            this.manager = manager;
            this.name = name;
        }

        private Optional<CertificateBundle> current(String alias) {
            return name.equals(alias) ? manager.certificate(name) : Optional.empty();
        }

        @Override
        public Key engineGetKey(String alias, char[] password) {
            return current(alias).map(CertificateBundle::privateKey).orElse(null);
        }

        @Override
        public Certificate[] engineGetCertificateChain(String alias) {
            return current(alias).map(bundle -> bundle.chain().toArray(Certificate[]::new)).orElse(null);
        }

        @Override
        public Certificate engineGetCertificate(String alias) {
            return current(alias).map(CertificateBundle::leaf).orElse(null);
        }

        @Override
        public Date engineGetCreationDate(String alias) {
            return current(alias).map(bundle -> Date.from(bundle.notBefore())).orElse(null);
        }

        @Override
        public Enumeration<String> engineAliases() {
            return Collections.enumeration(manager.certificate(name).isPresent() ? java.util.List.of(name)
                    : java.util.List.of());
        }

        @Override
        public boolean engineContainsAlias(String alias) {
            return current(alias).isPresent();
        }

        @Override
        public int engineSize() {
            return manager.certificate(name).isPresent() ? 1 : 0;
        }

        @Override
        public boolean engineIsKeyEntry(String alias) {
            return current(alias).isPresent();
        }

        @Override
        public boolean engineIsCertificateEntry(String alias) {
            return false;
        }

        @Override
        public String engineGetCertificateAlias(Certificate certificate) {
            return current(name).filter(bundle -> bundle.leaf().equals(certificate)).map(bundle -> name)
                    .orElse(null);
        }

        @Override
        public void engineSetKeyEntry(String alias, Key key, char[] password, Certificate[] chain)
                throws KeyStoreException {
            throw readOnly();
        }

        @Override
        public void engineSetKeyEntry(String alias, byte[] key, Certificate[] chain) throws KeyStoreException {
            throw readOnly();
        }

        @Override
        public void engineSetCertificateEntry(String alias, Certificate certificate) throws KeyStoreException {
            throw readOnly();
        }

        @Override
        public void engineDeleteEntry(String alias) throws KeyStoreException {
            throw readOnly();
        }

        @Override
        public void engineStore(OutputStream stream, char[] password) {
            throw new UnsupportedOperationException("certpilot's key store is the manager's: it is not saved");
        }

        @Override
        public void engineLoad(InputStream stream, char[] password) {
        }

        private static KeyStoreException readOnly() {
            return new KeyStoreException("certpilot's key store follows the manager and is read-only");
        }
    }
}

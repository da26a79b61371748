package dev.certpilot.spring.boot;

import java.util.Base64;

import javax.crypto.spec.SecretKeySpec;
import javax.sql.DataSource;

import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.jdbc.JdbcCertificateStore;

/** The JDBC store, in a class of its own so that nothing loads certpilot-jdbc unless it is chosen. */
final class JdbcStores {

    private JdbcStores() {
    }

    static CertificateStore create(DataSource dataSource, String encryptionKey, boolean migratePlaintextKeys) {
        var builder = JdbcCertificateStore.builder(dataSource);
        if (encryptionKey != null && !encryptionKey.isBlank()) {
            byte[] key;
            try {
                key = Base64.getDecoder().decode(encryptionKey.trim());
            } catch (IllegalArgumentException e) {
                throw new InvalidCertpilotPropertyException("certpilot.storage.encryption-key", "it is not base64",
                        "Set a base64 AES key of 16 or 32 bytes, e.g. from 'openssl rand -base64 32'", e);
            }
            try {
                builder.encryptPrivateKeys(new SecretKeySpec(key, "AES"));
            } catch (IllegalArgumentException e) {
                throw new InvalidCertpilotPropertyException("certpilot.storage.encryption-key", e.getMessage(),
                        "Set a base64 AES key of 16 or 32 bytes, e.g. from 'openssl rand -base64 32'", e);
            }
        } else if (migratePlaintextKeys) {
            throw new InvalidCertpilotPropertyException("certpilot.storage.migrate-plaintext-keys", "is on without "
                    + "certpilot.storage.encryption-key, so there is nothing to encrypt keys with",
                    "Set certpilot.storage.encryption-key, or remove certpilot.storage.migrate-plaintext-keys");
        }
        if (migratePlaintextKeys) {
            builder.migratePlaintextKeys();
        }
        return builder.build();
    }
}

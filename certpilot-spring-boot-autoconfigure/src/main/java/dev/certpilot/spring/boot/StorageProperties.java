package dev.certpilot.spring.boot;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The {@code certpilot.storage.*} settings: where certificates are kept. Not thread-safe: read once at start-up.
 */
public class StorageProperties {

    /**
     * file (a directory), jdbc (the application's DataSource, PostgreSQL, shared by every instance), or auto:
     * a CertificateStore bean when there is one, else file.
     */
    private CertpilotProperties.StorageType type = CertpilotProperties.StorageType.AUTO;

    /**
     * The directory of the file store; put it on persistent storage. Default: $XDG_DATA_HOME/certpilot, else
     * ~/.local/share/certpilot; never the working directory.
     */
    private Path directory;

    /**
     * For jdbc: an AES key (base64, 16 or 32 bytes) that private keys are encrypted with in the database.
     * Default: stored as they are, protected by the database's access control.
     */
    private String encryptionKey;

    /**
     * For jdbc with an encryption key: reads private keys stored in plaintext before encryption was turned on,
     * and encrypts each in place at its first read. Default false: such a key is refused, since whoever can
     * write to the database could have put in a key they know. Turn it on for one start, then off.
     */
    private boolean migratePlaintextKeys;

    /**
     * For a store shared by several instances: how long the lease of a certificate being ordered lasts unless
     * its holder renews it, so how soon another instance takes over from one that died. Default: 1 minute.
     */
    private Duration leaseDuration;

    /**
     * For a store shared by several instances: how often each asks the store whether another obtained or renewed
     * a certificate, which it then serves too. Default: 2 seconds.
     */
    private Duration pollInterval;

    /**
     * file (a directory), jdbc (the application's DataSource, PostgreSQL, shared by every instance), or auto.
     *
     * @return the current value
     */
    public CertpilotProperties.StorageType getType() {
        return type;
    }

    /**
     * file (a directory), jdbc (the application's DataSource, PostgreSQL, shared by every instance), or auto.
     *
     * @param type the new value
     */
    public void setType(CertpilotProperties.StorageType type) {
        this.type = type;
    }

    /**
     * The directory of the file store; put it on persistent storage.
     *
     * @return the current value
     */
    public Path getDirectory() {
        return directory;
    }

    /**
     * The directory of the file store; put it on persistent storage.
     *
     * @param directory the new value
     */
    public void setDirectory(Path directory) {
        this.directory = directory;
    }

    /**
     * For jdbc.
     *
     * @return the current value
     */
    public String getEncryptionKey() {
        return encryptionKey;
    }

    /**
     * For jdbc.
     *
     * @param encryptionKey the new value
     */
    public void setEncryptionKey(String encryptionKey) {
        this.encryptionKey = encryptionKey;
    }

    /**
     * For a store shared by several instances.
     *
     * @return the current value
     */
    public Duration getLeaseDuration() {
        return leaseDuration;
    }

    /**
     * For a store shared by several instances.
     *
     * @param leaseDuration the new value
     */
    public void setLeaseDuration(Duration leaseDuration) {
        this.leaseDuration = leaseDuration;
    }

    /**
     * For a store shared by several instances.
     *
     * @return the current value
     */
    public Duration getPollInterval() {
        return pollInterval;
    }

    /**
     * For a store shared by several instances.
     *
     * @param pollInterval the new value
     */
    public void setPollInterval(Duration pollInterval) {
        this.pollInterval = pollInterval;
    }

    /**
     * For jdbc with an encryption key.
     *
     * @return the current value
     */
    public boolean isMigratePlaintextKeys() {
        return migratePlaintextKeys;
    }

    /**
     * For jdbc with an encryption key.
     *
     * @param migratePlaintextKeys the new value
     */
    public void setMigratePlaintextKeys(boolean migratePlaintextKeys) {
        this.migratePlaintextKeys = migratePlaintextKeys;
    }
}

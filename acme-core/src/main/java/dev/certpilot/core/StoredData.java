package dev.certpilot.core;

/** What {@link CertificateManager#unmanage(java.util.Collection, StoredData)} does with a certificate's stored copy. */
public enum StoredData {
    /** Keeps the certificate and key in the store: managing the name again serves them without a new order. */
    KEEP,
    /** Deletes the certificate and key from the store. */
    DELETE
}

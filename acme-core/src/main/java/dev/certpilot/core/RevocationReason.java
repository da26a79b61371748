package dev.certpilot.core;

/** Why a certificate is revoked (RFC 5280 reason codes that ACME CAs accept). Immutable. */
public enum RevocationReason {
    /** No reason given. */
    UNSPECIFIED,
    /** The private key was disclosed or may have been. */
    KEY_COMPROMISE,
    /** The subject's name or other information changed. */
    AFFILIATION_CHANGED,
    /** The certificate was replaced. */
    SUPERSEDED,
    /** The certificate is no longer needed. */
    CESSATION_OF_OPERATION
}

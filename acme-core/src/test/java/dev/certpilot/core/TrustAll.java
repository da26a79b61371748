package dev.certpilot.core;

import java.security.cert.X509Certificate;

import javax.net.ssl.X509TrustManager;

/** A client trust manager for tests that check which certificate a server presents, not whether it is trusted. */
public final class TrustAll implements X509TrustManager {

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}

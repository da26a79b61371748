package dev.certpilot.test.spi;

import java.time.Clock;
import java.time.Duration;

import dev.certpilot.core.CertificateBundle;
import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.test.conformance.CertificateStoreConformance;

/** A store written through the SPI alone passes the same kit as the file and JDBC stores. */
class MapCertificateStoreConformanceTest extends CertificateStoreConformance {

    private MapCertificateStore.Backend backend;

    @Override
    protected CertificateStore newStore() {
        backend = new MapCertificateStore.Backend(Clock.systemUTC());
        return new MapCertificateStore(backend);
    }

    @Override
    protected CertificateStore sameBackend() {
        return new MapCertificateStore(backend);
    }

    @Override
    protected void corrupt(String name) {
        backend.certificates.computeIfPresent(name, (key, entry) ->
                new MapCertificateStore.Entry(entry.chainPem(), "not a key", entry.listing()));
    }

    /** Its save is one map write: a crash leaves the previous entry or the new one, never half of one. */
    @Override
    protected void crashWhileSaving(CertificateBundle bundle) throws Exception {
        var other = new MapCertificateStore(backend);
        try (var lease = other.tryLease(bundle.name(), Duration.ofSeconds(10)).orElseThrow()) {
            other.save(bundle, lease);
        }
    }
}

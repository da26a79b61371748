package dev.certpilot.benchmarks;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.util.ArrayList;

import dev.certpilot.core.FileCertificateStore;

/**
 * Start-up time and retained heap with many stored certificates: {@code build()} plus {@code prepare()} (which
 * serves everything stored, with no CA call), against the baseline of reading the same files' bytes. The store is
 * filled by copying one saved certificate's files under each name (the manager checks names against
 * metadata.json, not the certificate), which keeps the set-up fast.
 */
final class ScaleBenchmark {

    private ScaleBenchmark() {
    }

    static void run(Table table, int count) throws Exception {
        var storage = Files.createTempDirectory("certpilot-bench-scale");
        var template = new SelfSignedCertificates().bundle("template", "template.bench.test");
        new FileCertificateStore(storage).save(template);
        var certificates = storage.resolve("certificates");
        var source = certificates.resolve("template");
        // the digest of the key and chain that the store records when it writes them: copies carry it, as the
        // store's own files do, so that loading does not check each key again (a key operation per certificate)
        var matcher = java.util.regex.Pattern.compile("\"keyAndChainSha256\"\\s*:\\s*\"[0-9a-f]+\"")
                .matcher(Files.readString(source.resolve("metadata.json")));
        if (!matcher.find()) {
            throw new IllegalStateException("The store wrote no keyAndChainSha256 in metadata.json");
        }
        var digest = matcher.group();
        var names = new ArrayList<String>(count);
        for (int i = 0; i < count; i++) {
            var name = "s" + i + ".bench.test";
            names.add(name);
            var dir = Files.createDirectory(certificates.resolve(name));
            for (var file : new String[] {"privkey.pem", "cert.pem", "chain.pem", "fullchain.pem"}) {
                Files.copy(source.resolve(file), dir.resolve(file));
            }
            Files.writeString(dir.resolve("metadata.json"), "{\"name\":\"" + name + "\",\"domains\":[\"" + name
                    + "\"]," + digest + "}\n");
        }

        var rawStart = System.nanoTime();
        long bytes = 0;
        for (var name : names) {
            var dir = certificates.resolve(name);
            for (var file : new String[] {"privkey.pem", "fullchain.pem", "metadata.json"}) {
                bytes += Files.readAllBytes(dir.resolve(file)).length;
            }
        }
        var rawMillis = (System.nanoTime() - rawStart) / 1e6;

        var before = usedHeapAfterGc();
        var start = System.nanoTime();
        var manager = Servers.offlineManager(storage, names);
        var built = System.nanoTime();
        manager.prepare();
        var millis = (System.nanoTime() - start) / 1e6;
        System.out.printf("  (%d certificates: build %.0f ms, prepare %.0f ms)%n", count, (built - start) / 1e6,
                (System.nanoTime() - built) / 1e6);
        var after = usedHeapAfterGc();
        if (manager.certificate(names.get(count - 1)).isEmpty()) {
            throw new IllegalStateException("The last certificate is not served");
        }
        var perCertificate = (after - before) / (double) count;
        table.add("start-up with " + count + " stored certificates (build + prepare)", Table.ms(millis),
                Table.ms(rawMillis) + " reading their " + (bytes >> 20) + " MB", Table.ratio(millis, rawMillis),
                count >= 100_000 ? "<= 10 s" : "<= 2 s");
        table.add("retained heap per stored certificate (" + count + ")", String.format("%.0f bytes", perCertificate),
                "-", "-", "<= 4096 bytes");
        manager.close();
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

}

package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A storage directory on a real read-only file system (a tmpfs mounted read-only, as Kubernetes'
 * {@code readOnlyRootFilesystem} leaves the image's directories): the manager refuses to start, naming the path and
 * the fix, and orders nothing, instead of serving its bootstrap certificate for ever. The CA is a fake at the issuer
 * boundary, which counts the orders that must not happen.
 */
class ReadOnlyStorageTest {

    @TempDir
    Path temporary;

    @Test
    void aStoreOnAReadOnlyFileSystemRefusesToStartNamingThePathAndTheFix() throws Exception {
        var mountPoint = Files.createDirectory(temporary.resolve("read-only"));
        run("mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", mountPoint.toString());
        var issuer = new FakeIssuer(FakeCaManagers.CA, new MutableClock());
        try (var manager = FakeCaManagers.builder(mountPoint.resolve("certpilot"), new MutableClock(), new EventLog(),
                issuer).domain("shop.test").build()) {
            assertThatThrownBy(manager::start).isInstanceOf(StorageException.class)
                    .hasMessageContaining("Storage directory " + mountPoint.resolve("certpilot")
                            + " cannot be created: " + mountPoint + " is not writable (a read-only file system)")
                    .hasMessageContaining("every start would order new certificates")
                    .hasMessageContaining("mount a volume at " + mountPoint.resolve("certpilot"))
                    .hasMessageContaining("certpilot.storage.directory");
            assertThatThrownBy(manager::start).as("and again, not half started").isInstanceOf(StorageException.class);
            assertThat(issuer.calls()).as("nothing ordered").isEmpty();
        } finally {
            run("umount", mountPoint.toString());
        }
    }

    private static void run(String... command) throws Exception {
        var process = new ProcessBuilder(command).redirectErrorStream(true).start();
        var output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("%s (this test mounts a read-only tmpfs, as root): %s",
                String.join(" ", command), output).isZero();
    }
}

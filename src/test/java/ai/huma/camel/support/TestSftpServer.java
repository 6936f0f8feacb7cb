package ai.huma.camel.support;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.List;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyEncryptionContext;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.file.virtualfs.VirtualFileSystemFactory;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;

/**
 * A real SFTP server (Apache MINA SSHD) on a free loopback port, serving the folder {@link #root()}
 * as "/" to one user, who logs in with {@link #PASSWORD} or with the key {@link #privateKeyFile()}.
 * Its host key is fixed for the life of this object and written to {@link #knownHostsFile()}, so a
 * Camel {@code sftp:} URI can verify it ({@code knownHostsFile=...&strictHostKeyChecking=yes}).
 * {@link #stop()} takes it down (open sessions are cut), {@link #start()} brings it back on the same
 * port with the same host key and files.
 */
public final class TestSftpServer implements AutoCloseable {

    public static final String USER = "huma";
    public static final String PASSWORD = "sftp-test-password";

    private final Path root;
    private final Path keysDir;
    private final int port;
    private final KeyPair hostKey;
    private final KeyPair userKey;
    private SshServer server;

    /** Serves {@code root} (created if missing); keys and known_hosts go to a folder beside it. */
    public TestSftpServer(Path root) {
        this(root, root.resolveSibling(root.getFileName() + "-ssh"));
    }

    public TestSftpServer(Path root, Path keysDir) {
        try {
            this.root = Files.createDirectories(root).toAbsolutePath();
            this.keysDir = Files.createDirectories(keysDir).toAbsolutePath();
            this.port = TestPorts.free();
            this.hostKey = KeyUtils.generateKeyPair(KeyPairProvider.ECDSA_SHA2_NISTP256, 256);
            this.userKey = KeyUtils.generateKeyPair(KeyPairProvider.ECDSA_SHA2_NISTP256, 256);
            writeKeyFiles();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        start();
    }

    private void writeKeyFiles() throws IOException, GeneralSecurityException {
        // JSch looks a non-standard port up as [host]:port
        Files.writeString(knownHostsFile(),
                "[127.0.0.1]:" + port + " " + PublicKeyEntry.toString(hostKey.getPublic()) + "\n",
                StandardCharsets.US_ASCII);
        try (OutputStream out = Files.newOutputStream(privateKeyFile())) {
            // unencrypted, in OpenSSH's own format, which JSch reads
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(userKey, USER + "@test", (OpenSSHKeyEncryptionContext) null, out);
        }
    }

    /** Starts the server (again) on {@link #port()}; does nothing if it is running. */
    public synchronized void start() {
        if (server != null) {
            return;
        }
        SshServer sshd = SshServer.setUpDefaultServer();
        sshd.setHost("127.0.0.1");
        sshd.setPort(port);
        sshd.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        sshd.setPasswordAuthenticator((user, password, session) -> USER.equals(user) && PASSWORD.equals(password));
        sshd.setPublickeyAuthenticator((user, key, session) ->
                USER.equals(user) && KeyUtils.compareKeys(key, userKey.getPublic()));
        sshd.setKeyboardInteractiveAuthenticator(null);
        sshd.setSubsystemFactories(List.of(new SftpSubsystemFactory()));
        sshd.setFileSystemFactory(new VirtualFileSystemFactory(root));
        try {
            sshd.start();
        } catch (IOException e) {
            throw new UncheckedIOException("SFTP server did not start on port " + port, e);
        }
        server = sshd;
    }

    /** Takes the server down: the port refuses connections and open sessions are closed. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        try {
            server.stop(true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            server = null;
        }
    }

    public synchronized boolean isRunning() {
        return server != null && server.isStarted();
    }

    public int port() {
        return port;
    }

    /** The folder served as "/"; {@code sftp://huma@127.0.0.1:port/out} writes to {@code root()/out}. */
    public Path root() {
        return root;
    }

    public String user() {
        return USER;
    }

    public String password() {
        return PASSWORD;
    }

    /** A known_hosts file holding this server's host key for {@code [127.0.0.1]:port}. */
    public Path knownHostsFile() {
        return keysDir.resolve("known_hosts");
    }

    /** The user's private key (OpenSSH format, no passphrase) for {@code privateKeyFile=}. */
    public Path privateKeyFile() {
        return keysDir.resolve("id_ecdsa");
    }

    /** The public key that logs in as {@link #USER}, as a line of an authorized_keys file. */
    public String authorizedKey() {
        return PublicKeyEntry.toString(userKey.getPublic());
    }

    @Override
    public void close() {
        stop();
    }
}

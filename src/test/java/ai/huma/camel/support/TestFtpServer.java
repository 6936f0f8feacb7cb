package ai.huma.camel.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.ftpserver.ConnectionConfigFactory;
import org.apache.ftpserver.DataConnectionConfigurationFactory;
import org.apache.ftpserver.FtpServer;
import org.apache.ftpserver.FtpServerFactory;
import org.apache.ftpserver.ftplet.FtpException;
import org.apache.ftpserver.ftplet.UserManager;
import org.apache.ftpserver.listener.ListenerFactory;
import org.apache.ftpserver.usermanager.ClearTextPasswordEncryptor;
import org.apache.ftpserver.usermanager.PropertiesUserManagerFactory;
import org.apache.ftpserver.usermanager.impl.BaseUser;
import org.apache.ftpserver.usermanager.impl.WritePermission;

/**
 * A real FTP server (Apache FtpServer) on a free loopback port, serving the folder {@link #root()}
 * as "/" to one user with a password, passive mode on loopback (data ports chosen by the system),
 * no anonymous login. {@link #stop()} takes it down, {@link #start()} brings it back on the same port.
 */
public final class TestFtpServer implements AutoCloseable {

    public static final String USER = "huma";
    public static final String PASSWORD = "ftp-test-password";

    private final Path root;
    private final int port;
    private FtpServer server;

    /** Serves {@code root}, created if missing. */
    public TestFtpServer(Path root) {
        try {
            this.root = Files.createDirectories(root).toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.port = TestPorts.free();
        start();
    }

    /** Starts the server (again) on {@link #port()}; does nothing if it is running. */
    public synchronized void start() {
        if (server != null) {
            return;
        }
        FtpServerFactory serverFactory = new FtpServerFactory();

        ListenerFactory listener = new ListenerFactory();
        listener.setServerAddress("127.0.0.1");
        listener.setPort(port);
        listener.setIdleTimeout(60);
        DataConnectionConfigurationFactory data = new DataConnectionConfigurationFactory();
        data.setPassiveAddress("127.0.0.1");
        data.setPassiveExternalAddress("127.0.0.1");
        data.setPassivePorts("0"); // any free port
        listener.setDataConnectionConfiguration(data.createDataConnectionConfiguration());
        serverFactory.addListener("default", listener.createListener());

        ConnectionConfigFactory connections = new ConnectionConfigFactory();
        connections.setAnonymousLoginEnabled(false);
        serverFactory.setConnectionConfig(connections.createConnectionConfig());

        PropertiesUserManagerFactory users = new PropertiesUserManagerFactory();
        users.setPasswordEncryptor(new ClearTextPasswordEncryptor());
        UserManager userManager = users.createUserManager();
        BaseUser user = new BaseUser();
        user.setName(USER);
        user.setPassword(PASSWORD);
        user.setHomeDirectory(root.toString());
        user.setAuthorities(List.of(new WritePermission()));
        try {
            userManager.save(user);
            serverFactory.setUserManager(userManager);
            FtpServer ftp = serverFactory.createServer();
            ftp.start();
            server = ftp;
        } catch (FtpException e) {
            throw new IllegalStateException("FTP server did not start on port " + port, e);
        }
    }

    /** Takes the server down: the port refuses connections and open sessions are closed. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        try {
            server.stop();
        } finally {
            server = null;
        }
    }

    public synchronized boolean isRunning() {
        return server != null && !server.isStopped();
    }

    public int port() {
        return port;
    }

    /** The folder served as "/"; {@code ftp://huma@127.0.0.1:port/out} writes to {@code root()/out}. */
    public Path root() {
        return root;
    }

    public String user() {
        return USER;
    }

    public String password() {
        return PASSWORD;
    }

    @Override
    public void close() {
        stop();
    }
}

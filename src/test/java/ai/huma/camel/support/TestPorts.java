package ai.huma.camel.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Free ports for the servers a test starts later: a bundle's JVM, which binds its ports seconds after
 * they were chosen, or a server in the test JVM. A free port found by binding port 0 (as Camel's
 * {@code AvailablePortFinder.getNextAvailable()} does) lies in the kernel's ephemeral range, and until
 * it is bound the kernel may give it to any other socket: a broker's or a fake API's port 0, or the
 * local end of a Kafka client's connection. CI saw a bundle's management port taken that way.
 * <p>
 * These ports lie below that range, where the kernel gives none away. Each test JVM (surefire runs
 * two at once) holds a lock on a block of its own, under {@code target/test-ports}, for as long as it
 * lives; it takes the block's ports in turn and skips those found taken.
 */
public final class TestPorts {

    /** The first port of the first block; the blocks end below the ephemeral range. */
    private static final int FIRST = 20_000;
    private static final int BLOCK = 2_000;
    private static final int BLOCKS = 6;
    private static final Path LOCKS = Path.of("target", "test-ports");
    /** Held until the JVM exits (the lock goes with it): no other test JVM takes this block meanwhile. */
    private static final FileLock HELD;
    private static final int BLOCK_START;
    private static final AtomicInteger NEXT;

    static {
        int ephemeral = ephemeralRangeStart();
        if (FIRST + BLOCK * BLOCKS > ephemeral) {
            throw new IllegalStateException("the test ports " + FIRST + "-" + (FIRST + BLOCK * BLOCKS - 1)
                    + " overlap the kernel's ephemeral ports, from " + ephemeral + " (net.ipv4.ip_local_port_range)");
        }
        FileLock held = null;
        int block = 0;
        try {
            Files.createDirectories(LOCKS);
            for (; block < BLOCKS && held == null; block++) {
                FileChannel channel = FileChannel.open(LOCKS.resolve("block-" + block + ".lock"), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE);
                held = channel.tryLock();
                if (held == null) {
                    channel.close();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (held == null) {
            throw new IllegalStateException("all " + BLOCKS + " blocks of test ports are held by other JVMs (" + LOCKS + ")");
        }
        HELD = held;
        BLOCK_START = FIRST + BLOCK * (block - 1);
        NEXT = new AtomicInteger(BLOCK_START);
    }

    private TestPorts() {
    }

    /** A port nobody listens on now and that no other caller in this JVM, or other test JVM, was given lately. */
    public static int free() {
        for (int tried = 0; tried < BLOCK; tried++) {
            int port = BLOCK_START + Math.floorMod(NEXT.getAndIncrement() - BLOCK_START, BLOCK);
            if (isFree(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port in " + BLOCK_START + "-" + (BLOCK_START + BLOCK - 1) + " (lock " + HELD + ")");
    }

    private static boolean isFree(int port) {
        // on every interface, as the bundle listens (0.0.0.0 by default)
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName("0.0.0.0"))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Linux's first ephemeral port; the usual 32768 where the file is missing. */
    private static int ephemeralRangeStart() {
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        try {
            // a line read, not readString: /proc files say they are empty, and readString then reads one byte
            return Files.isReadable(range) ? Integer.parseInt(Files.readAllLines(range).get(0).strip().split("\\s+")[0]) : 32_768;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package ai.huma.camel.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import ai.huma.camel.simulator.HumaSimulator;

/**
 * The fake Huma API of the soak (bench/soak.sh): the jar's {@link HumaSimulator}, with the soak's
 * questions registered ({@link #ticket}(0..count-1), each with {@link #records}(n) rows: 1 to 5 pages
 * at the default page size of 100), behind a plain TCP front on a fixed loopback port, which the
 * script takes down and up by writing one word to a state file, polled every 50 ms:
 * <ul>
 * <li>{@code up}: serving;</li>
 * <li>{@code 503} (or any other status): every call is answered that status (the simulator's own fault
 * injection, then {@link HumaSimulator#recover()});</li>
 * <li>{@code refused}: the front stops listening, so every connection is refused, and the connections
 * open through it are cut (calls in flight with them); {@code up} listens again on the same port.</li>
 * </ul>
 * Usage: {@code SoakHumaApi <port> <state file> <ticket prefix: 8 hex digits> <count>}; the API key
 * comes from the environment ({@code SOAK_API_KEY}), so that it is on no command line and in no log.
 * Prints {@code API_URL=...} once serving, then one line per change of state.
 * <p>
 * The simulator itself runs from the start to the end on a port of its own, its questions registered
 * before anything can reach it. A {@code refused} outage once closed the simulator and started a new
 * one on the same port: calls that came in after it listened and before its 27 000 questions of a
 * 30-minute soak were registered got its answer for any ticket (250 records), and a ticket fetched
 * then was written with the wrong records (seen in a broker soak: a result of 100 records of 71, the
 * soak's, not the bundle's doing).
 */
public final class SoakHumaApi {

    private final int port;
    private final HumaSimulator simulator;
    private final ExecutorService pumps = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "soak-api-front");
        thread.setDaemon(true);
        return thread;
    });
    /** Every socket open through the front, both ends, to cut in a {@code refused} outage. */
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket front;

    private SoakHumaApi(int port, String apiKey, String prefix, int count) throws IOException {
        this.port = port;
        simulator = new HumaSimulator(0, apiKey);
        for (int n = 0; n < count; n++) {
            simulator.question(ticket(prefix, n), records(n));
        }
    }

    /** The ticket number of soak question {@code n}: 24 hex digits, as Huma's are. */
    public static String ticket(String prefix, long n) {
        return prefix + String.format("%016x", n);
    }

    /** The records of soak question {@code n}: 1 to 450, so that answers have 1 to 5 pages of 100. */
    public static int records(long n) {
        return (int) (1 + (n * 97) % 450);
    }

    public static void main(String[] args) throws Exception {
        String apiKey = System.getenv("SOAK_API_KEY");
        if (args.length != 4 || apiKey == null || apiKey.isBlank()) {
            System.err.println("usage: SOAK_API_KEY=... SoakHumaApi <port> <state file> <ticket prefix> <count>");
            System.exit(2);
        }
        SoakHumaApi api = new SoakHumaApi(Integer.parseInt(args[0]), apiKey, args[2], Integer.parseInt(args[3]));
        api.run(Path.of(args[1]), Integer.parseInt(args[3]));
    }

    private void run(Path stateFile, int count) throws Exception {
        listen();
        System.out.println("API_URL=http://127.0.0.1:" + port);
        System.out.println("QUESTIONS=" + count);
        System.out.flush();
        String state = "up";
        while (true) {
            String wanted = read(stateFile, state);
            if (!wanted.equals(state)) {
                change(state, wanted);
                state = wanted;
            }
            Thread.sleep(50);
        }
    }

    private void change(String from, String to) throws IOException {
        if (from.equals("refused")) {
            listen();
        } else if (!from.equals("up")) {
            simulator.recover();
        }
        if (to.equals("refused")) {
            refuse();
        } else if (!to.equals("up")) {
            simulator.fail(".*", null, Integer.parseInt(to), Integer.MAX_VALUE);
        }
        System.out.println(LocalTime.now().truncatedTo(ChronoUnit.MILLIS) + " " + (to.equals("up") ? "UP" : "DOWN (" + to + ")")
                + ", calls answered so far " + simulator.requests().size());
        System.out.flush();
    }

    /** Listens on the soak's port (it may take a moment to be free again) and forwards each connection. */
    private void listen() throws IOException {
        IOException last = null;
        for (int i = 0; i < 100; i++) {
            ServerSocket socket = new ServerSocket();
            try {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
                front = socket;
                pumps.execute(() -> accept(socket));
                return;
            } catch (IOException e) {
                socket.close();
                last = e;
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
        throw last;
    }

    /** Connections refused from now on, and those open cut. */
    private void refuse() throws IOException {
        front.close();
        for (Socket socket : open) {
            close(socket);
        }
    }

    private void accept(ServerSocket socket) {
        while (!socket.isClosed()) {
            Socket client;
            try {
                client = socket.accept();
            } catch (IOException e) {
                return; // closed: a refused outage
            }
            Socket upstream = new Socket();
            try {
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), simulator.port()));
            } catch (IOException e) {
                close(client);
                close(upstream);
                continue;
            }
            open.add(client);
            open.add(upstream);
            if (socket.isClosed()) { // the outage began while this one connected
                close(client);
                close(upstream);
                return;
            }
            pumps.execute(() -> pump(client, upstream));
            pumps.execute(() -> pump(upstream, client));
        }
    }

    /** Copies one way until either side ends, then closes both. */
    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // cut, or the other side closed
        } finally {
            close(from);
            close(to);
        }
    }

    private void close(Socket socket) {
        open.remove(socket);
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    private static String read(Path stateFile, String current) throws IOException {
        try {
            String word = Files.readString(stateFile).trim();
            return word.isEmpty() ? current : word;
        } catch (NoSuchFileException e) {
            return current;
        }
    }
}

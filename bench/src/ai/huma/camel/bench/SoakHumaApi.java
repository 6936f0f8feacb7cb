package ai.huma.camel.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;

import ai.huma.camel.simulator.HumaSimulator;

/**
 * The fake Huma API of the soak (bench/soak.sh): the jar's {@link HumaSimulator} on a fixed loopback
 * port, with the soak's questions registered ({@link #ticket}(0..count-1), each with
 * {@link #records}(n) rows: 1 to 5 pages at the default page size of 100), that the script takes down
 * and up by writing one word to a state file, polled every 50 ms:
 * <ul>
 * <li>{@code up}: serving;</li>
 * <li>{@code 503} (or any other status): every call is answered that status (the simulator's own fault
 * injection, then {@link HumaSimulator#recover()});</li>
 * <li>{@code refused}: the server is closed, so every connection is refused (and calls in flight are
 * cut); {@code up} starts a new simulator on the same port, with the same questions.</li>
 * </ul>
 * Usage: {@code SoakHumaApi <port> <state file> <ticket prefix: 8 hex digits> <count>}; the API key
 * comes from the environment ({@code SOAK_API_KEY}), so that it is on no command line and in no log.
 * Prints {@code API_URL=...} once serving, then one line per change of state.
 * <p>
 * The simulator remembers every request it served; a {@code refused} outage starts a new one, which
 * forgets them (its {@code reset()} is not used: it would also forget the questions for a moment, and
 * a call in that moment would get the simulator's answer for any ticket, 250 records).
 */
public final class SoakHumaApi {

    private final int port;
    private final String apiKey;
    private final String prefix;
    private final int count;
    private HumaSimulator simulator;
    /** Calls answered by the simulators already closed, so that the total survives them. */
    private long callsBefore;

    private SoakHumaApi(int port, String apiKey, String prefix, int count) {
        this.port = port;
        this.apiKey = apiKey;
        this.prefix = prefix;
        this.count = count;
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
        api.run(Path.of(args[1]));
    }

    private void run(Path stateFile) throws Exception {
        start();
        System.out.println("API_URL=" + simulator.baseUrl());
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
            start();
        } else if (!from.equals("up")) {
            simulator.recover();
        }
        if (to.equals("refused")) {
            callsBefore += simulator.requests().size();
            simulator.close();
            simulator = null;
        } else if (!to.equals("up")) {
            simulator.fail(".*", null, Integer.parseInt(to), Integer.MAX_VALUE);
        }
        System.out.println(LocalTime.now().truncatedTo(ChronoUnit.MILLIS) + " " + (to.equals("up") ? "UP" : "DOWN (" + to + ")")
                + ", calls answered so far " + (callsBefore + (simulator == null ? 0 : simulator.requests().size())));
        System.out.flush();
    }

    private void start() throws IOException {
        IOException last = null;
        for (int i = 0; i < 100; i++) { // the port may take a moment to be free again
            try {
                simulator = new HumaSimulator(port, apiKey);
                register();
                return;
            } catch (IOException e) {
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

    private void register() {
        for (int n = 0; n < count; n++) {
            simulator.question(ticket(prefix, n), records(n));
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

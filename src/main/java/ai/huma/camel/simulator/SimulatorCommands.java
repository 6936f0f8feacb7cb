package ai.huma.camel.simulator;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

import ai.huma.camel.settings.DotEnvPropertiesFunction;
import ai.huma.camel.simulator.SimulatedWebhooks.Kind;
import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;

/**
 * The jar's {@code simulator} and {@code simulate} commands (see {@code HumaCamelMain}): the
 * simulated Huma API on its own, and one webhook fired at a running bundle, as
 * {@code stripe trigger} does for Stripe's.
 */
public final class SimulatorCommands {

    /** The port of {@code simulator} without an argument, the one of docs/operations.md "Trying it by hand". */
    public static final int DEFAULT_PORT = 18081;
    /** Exit code of a command line that cannot be understood. */
    public static final int USAGE = 2;

    private static final Duration POLL = Duration.ofMillis(250);

    private final Function<String, String> environment;
    private final PrintStream out;
    private final PrintStream err;

    public SimulatorCommands(Function<String, String> environment, PrintStream out, PrintStream err) {
        this.environment = environment;
        this.out = out;
        this.err = err;
    }

    /**
     * {@code simulator [port]}: runs the simulated API on loopback until the process is stopped.
     * The API key is {@code API_SECRET_KEY} when the environment sets it (not printed then), else a
     * new one, printed with the URL.
     */
    public int simulator(List<String> args) throws IOException, InterruptedException {
        int port = DEFAULT_PORT;
        if (args.size() > 1) {
            err.println("simulator takes one argument at most: the port");
            return USAGE;
        }
        if (args.size() == 1) {
            try {
                port = Integer.parseInt(args.get(0));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 0 || port > 65535) {
                err.println("simulator: not a port: " + args.get(0));
                return USAGE;
            }
        }
        String given = environment.apply("API_SECRET_KEY");
        boolean keyGiven = given != null && !given.isBlank();
        String key = keyGiven ? given.strip() : "sim-" + SimulatedWebhooks.newId();
        HumaSimulator simulator = new HumaSimulator(port, key);
        Runtime.getRuntime().addShutdownHook(new Thread(simulator::close, "simulator-stop"));
        out.println("Simulated Huma API on " + simulator.baseUrl() + " (Ctrl+C stops it)");
        out.println("API_URL=" + simulator.baseUrl());
        out.println(keyGiven ? "API_SECRET_KEY: the one set in this environment" : "API_SECRET_KEY=" + key);
        out.println("It serves any ticket, subscription id and conversion id of 24 hex digits: a "
                + HumaSimulator.ANY_QUESTION_RECORDS + "-record answer, " + HumaSimulator.ANY_SUBSCRIPTION_RECORDS
                + " subscription records, a one-page PDF.");
        String tokens = environment.apply("API_CALLBACK_AUTH");
        if (tokens != null && !tokens.isBlank()) {
            String bundlePort = environment.apply("HUMA_PORT");
            String bundle = "http://127.0.0.1:" + (bundlePort == null || bundlePort.isBlank() ? "5001" : bundlePort.strip());
            simulator.callbacks(bundle, tokens.split(",")[0].strip());
            out.println("Questions, subscriptions and visuals asked of it are computed, then called back to " + bundle
                    + " with API_CALLBACK_AUTH (not printed); lose the callbacks: curl -X POST '" + simulator.baseUrl()
                    + "/_fake/callbacks?lose=true'");
        } else {
            out.println("Set API_CALLBACK_AUTH (and HUMA_PORT) for it to call a bundle back when what it was asked is computed,"
                    + " or: curl -X POST '" + simulator.baseUrl() + "/_fake/callbacks?url=http://127.0.0.1:5001&token=...'");
        }
        out.println("Faults by hand: curl -X POST '" + simulator.baseUrl()
                + "/_fake/fail?path=/v1/questions/.*&page=2&status=500&times=1000', then curl -X POST "
                + simulator.baseUrl() + "/_fake/recover");
        out.flush();
        new CountDownLatch(1).await(); // until the process is stopped; the shutdown hook closes the server
        return 0;
    }

    /**
     * {@code simulate question|subscription|history [--url URL] [--token TOKEN] [--id ID]
     * [--question TEXT] [--wait SECONDS]}: waits until the bundle at URL is ready, sends it one
     * webhook of that kind and says which files it will write. The token is {@code --token}, else
     * the first of {@code API_CALLBACK_AUTH} (environment or .env); it is never printed.
     */
    public int simulate(List<String> args) throws IOException, InterruptedException {
        Kind kind = args.isEmpty() ? null : Kind.of(args.get(0));
        if (kind == null) {
            err.println("simulate needs the kind of webhook: question, subscription or history");
            return USAGE;
        }
        Map<String, String> options = new HashMap<>();
        List<String> known = Arrays.asList("--url", "--token", "--id", "--question", "--wait");
        for (int i = 1; i < args.size(); i += 2) {
            if (!known.contains(args.get(i)) || i + 1 >= args.size()) {
                err.println("simulate: unknown option or missing value: " + args.get(i));
                return USAGE;
            }
            options.put(args.get(i), args.get(i + 1));
        }
        String port = environment.apply("HUMA_PORT");
        String url = options.getOrDefault("--url", "http://localhost:" + (port == null || port.isBlank() ? "5001" : port.strip()));
        String token = options.get("--token");
        if (token == null) {
            String configured = environment.apply("API_CALLBACK_AUTH");
            if (configured == null || configured.isBlank()) {
                configured = new DotEnvPropertiesFunction().apply("API_CALLBACK_AUTH");
            }
            token = configured == null ? "" : configured.split(",")[0].strip();
        }
        if (token.isBlank()) {
            err.println("simulate: no callback token: give --token, or set API_CALLBACK_AUTH as for the bundle");
            return USAGE;
        }
        String id = options.getOrDefault("--id", SimulatedWebhooks.newId());
        Duration wait;
        try {
            wait = Duration.ofSeconds(Long.parseLong(options.getOrDefault("--wait", "60")));
            URI.create(url).toURL();
        } catch (IllegalArgumentException | java.net.MalformedURLException e) {
            err.println("simulate: bad --url or --wait");
            return USAGE;
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        if (!awaitReady(client, url, wait)) {
            err.println("simulate: " + url + " did not answer GET / within " + wait.toSeconds() + " s (or answered it 503 all"
                    + " the while: still starting): is the bundle running?");
            return 1;
        }
        Webhook webhook = SimulatedWebhooks.webhook(kind, id, options.getOrDefault("--question", SimulatedWebhooks.QUESTION));
        HttpResponse<String> answer = SimulatedWebhooks.send(client, url, token, webhook);
        out.println("Sent a " + kind.event() + " webhook (" + id + ") to " + url + kind.path() + ": " + answer.statusCode()
                + " " + answer.body());
        if (answer.statusCode() != 200) {
            return 1;
        }
        out.println("The bundle writes " + String.join(" and ", webhook.resultFiles())
                + " once it has fetched the result from its Huma API (the simulator serves any such id).");
        return 0;
    }

    /**
     * Polls {@code GET /} of the server until it answers anything but 503 or the time is up: the
     * standalone jar answers 503 until its edge is warm, then 200; a host of the library answers
     * there what the host answers (404, say) once its server is up.
     */
    private boolean awaitReady(HttpClient client, String url, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        boolean said = false;
        HttpRequest hello = HttpRequest.newBuilder(URI.create(url).resolve("/"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        while (true) {
            try {
                if (client.send(hello, HttpResponse.BodyHandlers.discarding()).statusCode() != 503) {
                    return true;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            if (!said) {
                out.println("Waiting for the bundle at " + url + " to be ready...");
                said = true;
            }
            Thread.sleep(POLL.toMillis()); // a command-line client polling a server, not a test
        }
    }
}

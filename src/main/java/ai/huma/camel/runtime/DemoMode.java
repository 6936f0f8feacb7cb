package ai.huma.camel.runtime;

import ai.huma.camel.event.HumaEvent;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

import ai.huma.camel.deliver.ResultFileNames;
import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.simulator.SimulatedWebhooks.Kind;
import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar huma-camel.jar demo}: the bundle as it runs for real, against a simulated Huma
 * API in the same JVM (no account, no secret to set), on loopback only. Once the bundle is ready it
 * sends itself one webhook of each kind, with new ids, so that the three kinds of result appear in
 * the output folder within seconds. Then it asks Huma two questions through the inbox, as a user
 * would ({@link #askThroughTheInbox}): the simulated Huma calls the first one's answer back; the
 * second one's callback is lost, and the reconciliation fetches its answer a few seconds later
 * ({@value #RECONCILE_AFTER_MS} ms in the demo, unless the environment sets huma.reconcile.after). It
 * then runs on until stopped (Ctrl+C), taking more webhooks from {@code simulate} and more requests
 * dropped into the inbox. The API key is made up for the run; so is the callback token, unless
 * {@code API_CALLBACK_AUTH} is set in the environment (then {@code simulate} can use it too).
 * Neither is ever printed. The edge is warmed up with fewer webhooks than in production.
 */
final class DemoMode implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DemoMode.class);
    /** Warm-up webhooks of each kind in the demo, unless HUMA_HTTP_WARM_UP_REQUESTS says otherwise. */
    static final int WARM_UP_REQUESTS = 5;
    /** huma.reconcile.after in the demo, unless set: a lost callback is fetched within seconds, not 10 min. */
    static final long RECONCILE_AFTER_MS = 4000;
    /** huma.reconcile.interval in the demo, unless set. */
    static final long RECONCILE_INTERVAL_MS = 1000;
    /** The question the demo asks through the inbox whose answer the simulated Huma calls back. */
    static final String ANSWERED_QUESTION = "What were sales yesterday by site?";
    /** The question the demo asks through the inbox whose callback is lost: the reconciliation fetches it. */
    static final String LOST_QUESTION = "Which sites missed their target?";
    /** The longest wait for one step of the inbox's show (a ticket recorded, a callback made). */
    private static final Duration STEP = Duration.ofSeconds(20);

    private final ObjectMapper json = new ObjectMapper();
    private volatile Thread inboxShow;
    private volatile CamelContext context;

    private final HumaSimulator simulator;
    private final String apiKey;
    private final String token;
    private final boolean tokenMadeUp;
    private Path trainingFolder;

    private DemoMode(HumaSimulator simulator, String apiKey, String token, boolean tokenMadeUp) {
        this.simulator = simulator;
        this.apiKey = apiKey;
        this.token = token;
        this.tokenMadeUp = tokenMadeUp;
    }

    static DemoMode start() throws IOException {
        String apiKey = "demo-key-" + SimulatedWebhooks.newId();
        String fromEnvironment = System.getenv("API_CALLBACK_AUTH");
        boolean madeUp = fromEnvironment == null || fromEnvironment.isBlank();
        String token = madeUp ? "demo-token-" + SimulatedWebhooks.newId() : fromEnvironment.split(",")[0].strip();
        return new DemoMode(new HumaSimulator(0, apiKey), apiKey, token, madeUp);
    }

    /**
     * The training run (HumaCamelMain's training-run, docs/operations.md "The launch flags"): on ports the system
     * chooses, its output and data in a temporary folder removed at the end, stopped once the results
     * are written.
     */
    DemoMode stoppingOnceWorked() throws IOException {
        trainingFolder = Files.createTempDirectory("huma-camel-training");
        return this;
    }

    boolean isStoppingOnceWorked() {
        return trainingFolder != null;
    }

    /** The properties the demo sets over every other source: its API, and loopback only. */
    Map<String, String> overrides() {
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("huma.api.url", simulator.baseUrl());
        overrides.put("huma.api.secret-key", apiKey);
        if (tokenMadeUp) {
            overrides.put("huma.callback.token", token);
        }
        overrides.put("huma.host", "127.0.0.1");
        overrides.put("huma.management.host", "127.0.0.1");
        if (trainingFolder != null) {
            overrides.put("huma.port", "0");
            overrides.put("huma.management.port", "0");
            overrides.put("huma.output.dir", trainingFolder.resolve("output").toString());
            overrides.put("huma.data.dir", trainingFolder.resolve("data").toString());
            // whatever the working directory's settings say: nothing leaves the temporary folder (the
            // default mode's journal is in its data folder, and its classes join the archive)
            overrides.put("huma.queue.mode", "journal");
            for (HumaEvent event : HumaEvent.values()) {
                overrides.put(event.outputSetting(), "file:{{huma.output.dir}}?tempFileName=.$simple{exchangeId}.part");
            }
        }
        // the warm-up keeps Huma's 5 s deadline for a burst of webhooks right after the start; the
        // demo's own three have none, and 5 of each kind instead of 50 saves about 2 s of CPU
        if (System.getenv("HUMA_HTTP_WARM_UP_REQUESTS") == null) {
            overrides.put("huma.http.warm-up-requests", Integer.toString(WARM_UP_REQUESTS));
        }
        // the reconciliation within seconds rather than after 10 min (and every minute): the demo
        // shows a lost callback fetched by it; a value the environment sets is kept
        if (!setOutside("huma.reconcile.after")) {
            overrides.put("huma.reconcile.after", Long.toString(RECONCILE_AFTER_MS));
        }
        if (!setOutside("huma.reconcile.interval")) {
            overrides.put("huma.reconcile.interval", Long.toString(RECONCILE_INTERVAL_MS));
        }
        return overrides;
    }

    /** True when the environment (huma.reconcile.after <- HUMA_RECONCILE_AFTER) or a -D system property sets the key. */
    private static boolean setOutside(String key) {
        String variable = key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
        return System.getenv(variable) != null || System.getProperty(key) != null;
    }

    /**
     * Sends one webhook of each kind to the bundle listening on this loopback port.
     *
     * @return the result files they announce
     */
    List<String> sendWebhooks(int port) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        StringBuilder files = new StringBuilder();
        List<String> results = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            Webhook webhook = SimulatedWebhooks.webhook(kind, SimulatedWebhooks.newId(), SimulatedWebhooks.QUESTION);
            try {
                HttpResponse<String> answer = SimulatedWebhooks.send(client, "http://127.0.0.1:" + port, token, webhook);
                LOG.info("Demo: sent a {} webhook ({}), answered {}", kind.event(), webhook.id(), answer.statusCode());
                files.append(files.length() == 0 ? "" : ", ").append(String.join(", ", webhook.resultFiles()));
                results.addAll(webhook.resultFiles());
            } catch (IOException e) {
                LOG.warn("Demo: could not send the {} webhook: {}", kind.event(), e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return results;
            }
        }
        LOG.info("Demo: results coming to the output folder: {}. More with `simulate question|subscription|history`{}; Ctrl+C stops the demo",
                files, tokenMadeUp ? " (start the demo with API_CALLBACK_AUTH set, and simulate with the same)" : "");
        return results;
    }

    /** Waits (at most 60 s) until every one of these files is in the output folder. */
    void awaitResults(String outputDir, List<String> results) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Path folder = Path.of(outputDir);
        while (!results.stream().allMatch(file -> Files.isRegularFile(folder.resolve(file)))) {
            if (System.nanoTime() > deadline) {
                LOG.warn("Training run: not every result was written within 60 s: {}", results);
                return;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        LOG.info("Training run: the {} results are written; stopping", results.size());
    }

    /**
     * The inbox's part of the show, on a thread of its own (the ready line's thread goes on): the
     * simulated Huma calls back to this bundle (its loopback port, the demo's token); a request for
     * {@value #ANSWERED_QUESTION} is dropped into the inbox, and its answer comes by Huma's callback;
     * once that callback was made, Huma's callbacks are lost for a moment (the simulator's switch is
     * global) while {@value #LOST_QUESTION} is asked, and the reconciliation fetches its answer. Each
     * step is logged, and the result files once they are written; every wait is bounded.
     */
    void askThroughTheInbox(CamelContext context, int port) {
        this.context = context;
        Thread thread = new Thread(() -> {
            try {
                inboxShow(context, port);
            } catch (Stopped e) {
                // the bundle stops (Ctrl+C): nothing more to show
            } catch (RuntimeException | IOException e) {
                if (!stopping()) {
                    LOG.warn("Demo: the inbox's part of the demo stopped: {}", e.toString());
                }
            } finally {
                simulator.loseCallbacks(false);
            }
        }, "huma-demo-inbox");
        thread.setDaemon(true);
        inboxShow = thread;
        thread.start();
    }

    private void inboxShow(CamelContext context, int port) throws IOException {
        if (context.getRoute("huma-inbox") == null) {
            LOG.info("Demo: the inbox's route (huma-inbox) is not running: no question is asked through the inbox");
            return;
        }
        Path inbox = Path.of(context.resolvePropertyPlaceholders("{{huma.inbox.dir}}"));
        String inboxUri = context.resolvePropertyPlaceholders("{{huma.inbox.uri}}").strip();
        if (!inboxUri.startsWith("file:") || !Path.of(inboxUri.substring("file:".length()).split("\\?", 2)[0]).equals(inbox)) {
            LOG.info("Demo: the requests do not come from the inbox folder (huma.inbox.uri is set otherwise): "
                    + "no question is asked through the inbox");
            return;
        }
        Path tickets = Path.of(context.resolvePropertyPlaceholders("{{huma.tickets.dir}}"));
        Path output = Path.of(context.resolvePropertyPlaceholders("{{huma.output.dir}}"));
        long after = Long.parseLong(context.resolvePropertyPlaceholders("{{huma.reconcile.after}}").strip());
        long interval = Long.parseLong(context.resolvePropertyPlaceholders("{{huma.reconcile.interval}}").strip());
        String prefix = context.getPropertiesComponent().resolveProperty("huma.http.path-prefix").orElse("").strip();

        String bundle = "http://127.0.0.1:" + port + prefix;
        simulator.callbacks(bundle, token);
        LOG.info("Demo: the simulated Huma calls this bundle back at {} once it has computed what it was asked; "
                + "a callback that never comes is fetched by the reconciliation after {} (huma.reconcile.after = {} ms, "
                + "looked at every huma.reconcile.interval = {} ms{})", bundle, seconds(after), after, interval,
                after == RECONCILE_AFTER_MS && interval == RECONCILE_INTERVAL_MS ? "; 10 min and 1 min outside the demo" : "");

        // the first request: its answer comes by Huma's callback
        Set<String> known = ticketNumbers(tickets);
        Path first = drop(inbox, "demo-sales", ANSWERED_QUESTION);
        String answered = awaitStep(() -> newTicket(tickets, known, ANSWERED_QUESTION));
        if (answered == null) {
            LOG.warn("Demo: '{}' was not asked within {} s ({} still in the inbox?)", ANSWERED_QUESTION, STEP.toSeconds(), first);
            return;
        }
        LOG.info("Demo: asked Huma '{}' through the inbox ({}): ticket {}, its answer comes by Huma's callback",
                ANSWERED_QUESTION, first, answered);
        // its answer written before the next one is asked (and no retry of its callback lost with it)
        if (!awaitAnswer(tickets, answered, output, STEP)) {
            LOG.warn("Demo: no answer to '{}' within {} s (ticket {} in {})", ANSWERED_QUESTION, STEP.toSeconds(), answered, tickets);
            return;
        }

        // the second one: its callback is lost (Huma's attempts all fail, or a proxy eats them)
        String lost;
        simulator.loseCallbacks(true);
        try {
            known.addAll(ticketNumbers(tickets));
            Path second = drop(inbox, "demo-targets", LOST_QUESTION);
            lost = awaitStep(() -> newTicket(tickets, known, LOST_QUESTION));
            if (lost == null) {
                LOG.warn("Demo: '{}' was not asked within {} s ({} still in the inbox?)", LOST_QUESTION, STEP.toSeconds(), second);
                return;
            }
            LOG.info("Demo: asked Huma '{}' through the inbox ({}): ticket {}", LOST_QUESTION, second, lost);
            LOG.info("Demo: its callback will be lost; the reconciliation fetches it after {}", seconds(after));
            if (awaitStep(() -> firstCallback(lost)) == null) {
                LOG.warn("Demo: Huma did not finish computing ticket {} within {} s", lost, STEP.toSeconds());
                return;
            }
            LOG.info("Demo: Huma has computed ticket {}, and its callback was lost on the way: the bundle waits for the "
                    + "reconciliation", lost);
        } finally {
            simulator.loseCallbacks(false);
        }

        Duration atMost = STEP.plusMillis(after + interval);
        if (!awaitAnswer(tickets, lost, output, atMost)) {
            LOG.warn("Demo: no answer to '{}' within {} s (ticket {} in {})", LOST_QUESTION, atMost.toSeconds(), lost, tickets);
            return;
        }
        LOG.info("Demo: both questions asked through the inbox are answered. Ask more: write a request such as "
                + "{\"question\": \"...\"} to a file under another name, then rename it to <name>.json in {}", inbox);
    }

    /** Waits until the ticket is closed, and says how its answer came and where it is; false if it was not in time. */
    private boolean awaitAnswer(Path tickets, String number, Path output, Duration atMost) {
        JsonNode closed = awaitStep(atMost, () -> read(tickets.resolve("closed").resolve(number + ".json")));
        if (closed == null) {
            return false;
        }
        reportAnswer(closed, output);
        return true;
    }

    /** One line for a closed ticket of the show: how its answer came, and where it is. */
    private void reportAnswer(JsonNode ticket, Path output) {
        String question = ticket.path("question").asText();
        String number = ticket.path("ticket_number").asText();
        int polls = ticket.path("polls").asInt();
        String outcome = ticket.path("outcome").asText();
        Path file = output.resolve(new ResultFileNames().question(question, number));
        String where = Files.isRegularFile(file) ? file.toString() : "delivered to huma.output.question.uri";
        if (polls == 0) {
            LOG.info("Demo: the answer to '{}' came by Huma's callback: {} (ticket {} closed: {})", question, where, number, outcome);
        } else {
            LOG.info("Demo: the answer to '{}' was fetched by the reconciliation, no callback came ({} status call(s)): {} "
                    + "(ticket {} closed: {})", question, polls, where, number, outcome);
        }
    }

    /** Writes a request into the inbox as a writer should: under a hidden name, then renamed. */
    private static Path drop(Path inbox, String name, String question) throws IOException {
        Files.createDirectories(inbox);
        Path file = inbox.resolve(name + "-" + SimulatedWebhooks.newId().substring(0, 8) + ".json");
        Path temp = inbox.resolve("." + file.getFileName() + ".tmp");
        Files.writeString(temp, "{\"question\": \"" + question + "\"}\n", StandardCharsets.UTF_8);
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, file);
        }
        return file;
    }

    /** The numbers of the tickets recorded in the folder, open or closed. */
    private static Set<String> ticketNumbers(Path tickets) {
        Set<String> numbers = new HashSet<>();
        for (Path file : ticketFiles(tickets)) {
            String name = file.getFileName().toString();
            numbers.add(name.substring(0, name.length() - ".json".length()));
        }
        return numbers;
    }

    /** The number of a ticket not known before that asked this question; null while there is none. */
    private String newTicket(Path tickets, Set<String> known, String question) {
        for (Path file : ticketFiles(tickets)) {
            String name = file.getFileName().toString();
            String number = name.substring(0, name.length() - ".json".length());
            if (!known.contains(number)) {
                JsonNode ticket = read(file);
                if (ticket != null && question.equals(ticket.path("question").asText())) {
                    return number;
                }
            }
        }
        return null;
    }

    private static List<Path> ticketFiles(Path tickets) {
        List<Path> files = new ArrayList<>();
        for (Path dir : List.of(tickets, tickets.resolve("closed"))) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> listed = Files.list(dir)) {
                    listed.filter(f -> f.getFileName().toString().endsWith(".json") && !f.getFileName().toString().startsWith("."))
                            .forEach(files::add);
                } catch (IOException e) {
                    // listed again in the next round
                }
            }
        }
        return files;
    }

    /** The first attempt at the callback of this ticket; null while there is none. */
    private HumaSimulator.Callback firstCallback(String ticket) {
        return simulator.callbackAttempts().stream().filter(c -> c.id().equals(ticket)).findFirst().orElse(null);
    }

    /** The JSON of this file; null while it is missing (or cannot be read). */
    private JsonNode read(Path file) {
        try {
            return Files.isRegularFile(file) ? json.readTree(file.toFile()) : null;
        } catch (IOException e) {
            return null;
        }
    }

    private <T> T awaitStep(Supplier<T> step) {
        return awaitStep(STEP, step);
    }

    /**
     * What {@code step} gives once it gives something (polled every 100 ms), or null after
     * {@code atMost}; {@link Stopped} when the bundle stops meanwhile.
     */
    private <T> T awaitStep(Duration atMost, Supplier<T> step) {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (true) {
            if (stopping()) {
                throw new Stopped();
            }
            T done = step.get();
            if (done != null || System.nanoTime() > deadline) {
                return done;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Stopped();
            }
        }
    }

    private boolean stopping() {
        CamelContext running = context;
        return Thread.currentThread().isInterrupted() || running == null || running.getStatus().isStopping() || running.getStatus().isStopped();
    }

    /** The bundle stops while the demo waits. */
    private static final class Stopped extends RuntimeException {
        Stopped() {
            super(null, null, false, false);
        }
    }

    private static String seconds(long millis) {
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }

    @Override
    public void close() {
        Thread show = inboxShow;
        if (show != null) {
            show.interrupt();
        }
        simulator.close();
        if (trainingFolder != null) {
            try (Stream<Path> files = Files.walk(trainingFolder)) {
                files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
            } catch (IOException e) {
                LOG.warn("Training run: could not remove {}: {}", trainingFolder, e.toString());
            }
        }
    }
}

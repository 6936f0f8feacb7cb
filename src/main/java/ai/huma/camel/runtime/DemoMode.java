package ai.huma.camel.runtime;

import ai.huma.camel.event.HumaEvent;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.simulator.SimulatedWebhooks.Kind;
import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar huma-camel.jar demo}: the bundle as it runs for real, against a simulated Huma
 * API in the same JVM (no account, no secret to set), on loopback only. Once the bundle is ready it
 * sends itself one webhook of each kind, with new ids, so that the three kinds of result appear in
 * the output folder within seconds; it then runs on until stopped (Ctrl+C), taking more webhooks
 * from {@code simulate}. The API key is made up for the run; so is the callback token, unless
 * {@code API_CALLBACK_AUTH} is set in the environment (then {@code simulate} can use it too).
 * Neither is ever printed. The edge is warmed up with fewer webhooks than in production.
 */
final class DemoMode implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DemoMode.class);
    /** Warm-up webhooks of each kind in the demo, unless HUMA_HTTP_WARM_UP_REQUESTS says otherwise. */
    static final int WARM_UP_REQUESTS = 5;

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
        return overrides;
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

    @Override
    public void close() {
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

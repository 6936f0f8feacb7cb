package ai.huma.camel.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.test.junit5.CamelContextConfiguration;
import org.apache.camel.test.main.junit5.CamelMainTestSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the real bundle with Camel Main as the standalone jar does: the library's routes and the
 * defaults of its settings as built from routes/ and application.properties (target/classes:
 * huma-camel/*.camel.yaml through HumaRoutes, the defaults through HumaDefaults), the runtime's
 * Camel settings and its webhook server, against a {@link HumaSimulator} on loopback, with its own output and data
 * folders and HTTP port.
 * <p>
 * One bundle serves all the tests of a class, each of them starting from a bundle with nothing done
 * ({@link #startFresh()}); a class whose tests stop or restart the bundle, or count what it did since
 * it started, runs one bundle per test with {@code @TestInstance(TestInstance.Lifecycle.PER_METHOD)}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class HumaRoutesTestSupport extends CamelMainTestSupport {

    /** The webhook secret of the tests; fixed, so that the secret scan (SecretScanIT) knows what to look for. */
    public static final String CALLBACK_TOKEN = "callback-token-0b8f4d2e-91c7-4a3b-8e5f-6d1a2c9b7e40";
    /** The management token of the tests that allow the operator page's replay; fixed for the secret scan too. */
    public static final String MANAGEMENT_TOKEN = "management-token-5c2e9a71-0d4b-4f8e-b3a6-7e19c84d2f05";
    /** Where the tests leave everything the bundle wrote, for the secret scan; `mvn clean` removes it. */
    public static final Path TEST_WORK = Path.of("target", "test-work");
    protected static final String QUESTION_PATH = "/api/webhook-question-answered";
    protected static final String HISTORY_PATH = "/api/webhook-history-visualized";
    protected static final String SUBSCRIPTION_PATH = "/api/webhook-subscription-updated";

    /**
     * Huma gives up on a webhook's attempt after 5 s: the edge's promise, and the one wall-clock limit
     * a test holds a webhook's answer to.
     */
    public static final Duration HUMA_DEADLINE = Duration.ofSeconds(5);

    /** The simulated Huma API all the tests of the JVM share; {@link #startFresh()} resets it before each test. */
    protected static final HumaSimulator HUMA = HumaSimulator.start();

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * This test's own folder under target/test-work, made when the test instance is (CamelTestSupport
     * configures early), and left there for the secret scan that runs after all tests.
     */
    protected Path workDir;
    protected Path outputDir;
    /** The properties this test runs the bundle with (on top of application.properties). */
    protected Properties testProperties;
    protected Path dataDir;
    protected int port;
    /** The port of health and metrics. */
    protected int managementPort;

    @Override
    protected String getPropertyPlaceholderLocations() {
        return "classpath:ai/huma/camel/runtime/runtime.properties";
    }

    /** The context as the standalone jar builds it: its webhook server and operator page installed before the routes start. */
    @Override
    protected org.apache.camel.CamelContext createCamelContext() throws Exception {
        org.apache.camel.CamelContext created = super.createCamelContext();
        ai.huma.camel.runtime.WebhookServer.install(created);
        ai.huma.camel.runtime.OperatorPage.install(created);
        return created;
    }

    @Override
    public void configureContext(CamelContextConfiguration configuration) {
        super.configureContext(configuration);
        HUMA.reset();
        try {
            workDir = Files.createTempDirectory(Files.createDirectories(TEST_WORK), getClass().getSimpleName() + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        outputDir = workDir.resolve("output");
        dataDir = workDir.resolve("data");
        port = TestPorts.free();
        Properties properties = new Properties();
        // the library's routes come with it (HumaRoutes); no route files of the test's own
        properties.setProperty("huma.routes", "false");
        properties.setProperty("huma.api.url", HUMA.baseUrl());
        properties.setProperty("huma.api.secret-key", HUMA.apiKey());
        properties.setProperty("huma.callback.token", CALLBACK_TOKEN);
        properties.setProperty("huma.host", "127.0.0.1");
        properties.setProperty("huma.port", Integer.toString(port));
        managementPort = TestPorts.free();
        properties.setProperty("huma.management.port", Integer.toString(managementPort));
        properties.setProperty("huma.output.dir", outputDir.toString());
        properties.setProperty("huma.data.dir", dataDir.toString());
        // the whole suite runs in another queue mode with -Dhuma.test.queue-mode=durable
        String mode = System.getProperty("huma.test.queue-mode");
        if (mode != null && !mode.isBlank()) {
            properties.setProperty("huma.queue.mode", mode);
        }
        // one warm-up round per context keeps the warm-up path exercised and the suite fast
        // (ReadinessTest runs the default)
        properties.setProperty("huma.http.warm-up-requests", "1");
        // idle in-memory workers notice a stop at once, so that each test context stops quickly
        properties.setProperty("huma.queue.poll-timeout", "50");
        properties.putAll(extraProperties());
        testProperties = properties;
        configuration.withUseOverridePropertiesWithPropertiesComponent(properties);
    }

    /** Each test starts once the bundle says it is ready (the edge warm-up has run). */
    @Override
    protected void doPostSetup() throws Exception {
        super.doPostSetup();
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            Object server = context.getRegistry().lookupByName(ai.huma.camel.runtime.WebhookServer.NAME);
            return server == null || ((ai.huma.camel.runtime.WebhookServer) server).isReady();
        });
    }

    /**
     * Before each test: what the previous test of the class left running has ended, and its traces
     * are gone: no results, no dead letters, no delivery remembered, the fake API as new.
     */
    @BeforeEach
    void startFresh() throws IOException {
        awaitWorkersIdle();
        HUMA.reset();
        deleteContents(outputDir);
        deleteContents(dataDir.resolve("dead-letter"));
        deleteContents(dataDir.resolve("replay"));
        IdempotentRepository deliveries = context.getRegistry().lookupByNameAndType("humaDeliveryRepository", IdempotentRepository.class);
        if (deliveries != null) {
            deliveries.clear();
        }
    }

    private static void deleteContents(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                if (!file.equals(dir)) {
                    Files.delete(file);
                }
            }
        }
    }

    /** Writes a request into this test's inbox as a writer should: under a hidden name, then renamed. */
    protected void dropInInbox(String name, String body) throws IOException {
        dropInto(dataDir.resolve("inbox"), name, body);
    }

    /** Writes a file into an inbox folder (made if missing) under a hidden name, then renames it. */
    public static void dropInto(Path inbox, String name, String body) throws IOException {
        Files.createDirectories(inbox);
        Path temp = inbox.resolve("." + name + ".tmp");
        Files.writeString(temp, body);
        Files.move(temp, inbox.resolve(name), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Properties a test class sets on top of the test defaults. */
    protected Properties extraProperties() {
        return new Properties();
    }

    /** Properties from pairs: {@code properties("huma.pages.max", "2", "huma.pages.limit", "10")}. */
    protected static Properties properties(String... keysAndValues) {
        Properties properties = new Properties();
        for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
            properties.setProperty(keysAndValues[i], keysAndValues[i + 1]);
        }
        return properties;
    }

    protected HttpResponse<String> post(String path, String authorization, String contentType, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return send(request.build());
    }

    /** A webhook as Huma sends it: JSON, with the right token (built by {@link SimulatedWebhooks}). */
    protected HttpResponse<String> webhook(Webhook webhook) {
        return webhook(webhook.kind().path(), webhook.body());
    }

    /** A body of the test's own, sent as Huma sends a webhook: JSON, with the right token. */
    protected HttpResponse<String> webhook(String path, String json) {
        return post(path, "Bearer " + CALLBACK_TOKEN, "application/json", json);
    }

    protected HttpResponse<String> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    protected HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
    }

    /** Waits (20 s at most) until the output folder holds a file of that name, and returns it. */
    protected Path awaitOutput(String fileName) {
        Path file = outputDir.resolve(fileName);
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.isRegularFile(file));
        return file;
    }

    /** The names of the files in the output folder (none when it does not exist). */
    protected List<String> outputFiles() {
        if (!Files.isDirectory(outputDir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(outputDir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The dead letters written so far (complete files only, oldest first). */
    protected List<Path> deadLetterFiles() {
        Path dir = dataDir.resolve("dead-letter");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> !f.getFileName().toString().startsWith("."))
                    .filter(f -> f.getFileName().toString().endsWith(".json"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A notifier that matches once the route {@code routeId} has completed {@code exchanges}
     * exchanges: create it before sending, then {@link #awaitDone(NotifyBuilder)}.
     */
    protected NotifyBuilder whenDone(String routeId, int exchanges) {
        return new NotifyBuilder(context).fromRoute(routeId).whenDone(exchanges).create();
    }

    /**
     * Waits until no event is queued or being worked. After a notifier has seen the event sent last,
     * this makes "nothing else reached the worker" a fact rather than a race.
     */
    protected void awaitWorkersIdle() {
        ai.huma.camel.queue.QueueBroker broker = context.getRegistry().lookupByNameAndType("humaQueueBroker", ai.huma.camel.queue.QueueBroker.class);
        await().atMost(Duration.ofSeconds(15)).until(() -> context.getInflightRepository().size() == 0
                && context.getEndpoints().stream()
                        .filter(org.apache.camel.component.seda.SedaEndpoint.class::isInstance)
                        .map(org.apache.camel.component.seda.SedaEndpoint.class::cast)
                        .allMatch(queue -> queue.getCurrentQueueSize() == 0)
                && (broker == null || broker.pendingEvents() <= 0)
                && context.getInflightRepository().size() == 0);
    }

    /** True when the queues are the in-memory SEDA queues: memory and journal mode (the suite can run in durable mode too). */
    protected boolean memoryQueues() {
        // the test's own setting first: a stopped context resolves nothing
        String mode = testProperties.getProperty("huma.queue.mode");
        if (mode == null) {
            mode = context.getPropertiesComponent().resolveProperty("huma.queue.mode").orElse("journal");
        }
        return mode.equals("memory") || mode.equals("journal");
    }

    protected static void awaitDone(NotifyBuilder notify) {
        assertTrue(notify.matches(15, TimeUnit.SECONDS), "the worker did not finish in time");
    }
}

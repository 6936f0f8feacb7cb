package ai.huma.camel.runtime;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.support.BundleProcess;
import ai.huma.camel.support.HumaRoutesTestSupport;
import org.apache.camel.test.AvailablePortFinder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Starts the bundle the way a user does, {@link HumaCamelMain} in its own JVM, in a working
 * directory holding a copy of application.properties and routes/. Each test has its own JVM, folder
 * and ports, so that they run side by side (most of their time is spent waiting for a JVM).
 */
@Execution(ExecutionMode.CONCURRENT)
class StartupTest {

    /** Under target/test-work, left for the secret scan that runs after all tests. */
    Path workDir;

    private Process process;

    @AfterEach
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void refusesToStartWithoutTheCallbackSecret() throws Exception {
        prepareWorkDir();
        int port = AvailablePortFinder.getNextAvailable();

        start(Map.of("API_URL", "http://127.0.0.1:9", "API_SECRET_KEY", "k", "API_CALLBACK_AUTH", "",
                "HUMA_PORT", Integer.toString(port)));

        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exits by itself").isTrue();
        assertThat(process.exitValue()).isEqualTo(1);
        assertThat(output()).contains("huma-camel did not start: API_CALLBACK_AUTH is not set");
        assertThat(output()).as("no receiver was ever started").doesNotContain("Webhook receiver listening");
    }

    @Test
    void refusesToStartWithoutTheApiUrlOrKey() throws Exception {
        prepareWorkDir();

        start(Map.of("API_URL", "", "API_SECRET_KEY", "k", "API_CALLBACK_AUTH", "s"));
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(1);
        assertThat(output()).contains("API_URL is not set");

        start(Map.of("API_URL", "http://127.0.0.1:9", "API_SECRET_KEY", " ", "API_CALLBACK_AUTH", "s"));
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(1);
        assertThat(output()).contains("API_SECRET_KEY is not set");
    }

    @Test
    void takesTheSecretsFromDotEnvWhenTheEnvironmentLacksThem() throws Exception {
        prepareWorkDir();
        int port = AvailablePortFinder.getNextAvailable();
        Files.writeString(workDir.resolve(".env"), String.join("\n",
                "# as the seed's .env",
                "API_URL=http://127.0.0.1:9",
                "API_SECRET_KEY='dotenv-key'",
                "API_CALLBACK_AUTH=\"dotenv-secret\"",
                "API_CALLBACK_AUTH_UNUSED=x"), StandardCharsets.UTF_8);

        start(Map.of("HUMA_PORT", Integer.toString(port)));

        HttpClient http = awaitHello(port);
        HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/webhook-question-answered"))
                .header("Authorization", "Bearer dotenv-secret").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"question_status\":\"processing\",\"ticket_number\":\"t\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(accepted.statusCode()).isEqualTo(200);
        assertThat(output()).doesNotContain("dotenv-secret").doesNotContain("dotenv-key");
    }

    @Test
    void sigtermDrainsAndExitsWithZero() throws Exception {
        prepareWorkDir();
        int port = AvailablePortFinder.getNextAvailable();
        start(Map.of("API_URL", "http://127.0.0.1:9", "API_SECRET_KEY", "k", "API_CALLBACK_AUTH", "s",
                "HUMA_PORT", Integer.toString(port)));
        awaitHello(port);
        // ready only once the edge was warm: 50 warm-up webhooks of each kind, none queued
        assertThat(output()).contains("Edge warmed up with 45 webhook(s)").doesNotContain("Accepted");

        process.destroy(); // SIGTERM

        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
        assertThat(output()).contains("Shutting down: new webhooks are refused").contains("Shutdown: 0 queued or in-flight event(s) finished as results or dead letters, none left");
    }

    @Test
    void sigtermWithWorkQueuedLosesNothingWithinTheConfiguredTimeout() throws Exception {
        prepareWorkDir();
        int port = AvailablePortFinder.getNextAvailable();
        try (HumaSimulator huma = new HumaSimulator()) {
            List<String> tickets = List.of("a1", "a2", "a3", "a4");
            tickets.forEach(ticket -> huma.question(ticket, 3));
            huma.delay(Duration.ofSeconds(2));
            start(Map.of("API_URL", huma.baseUrl(), "API_SECRET_KEY", huma.apiKey(), "API_CALLBACK_AUTH", "s",
                    "HUMA_PORT", Integer.toString(port), "HUMA_SHUTDOWN_TIMEOUT", "1"));
            HttpClient http = awaitHello(port);
            for (String ticket : tickets) {
                HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + port + "/api/webhook-question-answered"))
                        .header("Authorization", "Bearer s").header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"question\":\"q " + ticket
                                + "\",\"question_status\":\"succeeded\",\"ticket_number\":\"" + ticket + "\"}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(accepted.statusCode()).isEqualTo(200);
            }

            process.destroy(); // SIGTERM, with 4 events queued or in flight and 2 s per call to Huma

            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).isZero();
            // the calls in flight are cut off before the stop's time-out, what is still queued goes to the
            // dead-letter route: every event is a result or a dead letter
            assertThat(output()).contains("queued or in-flight event(s) finished");
            List<String> results = filesIn(workDir.resolve("output"));
            List<String> deadLetters = filesIn(workDir.resolve("data").resolve("dead-letter"));
            assertThat(results.size() + deadLetters.size()).as("results %s, dead letters %s", results, deadLetters)
                    .isEqualTo(tickets.size());
            assertThat(deadLetters).isNotEmpty();
        }
    }

    /** Waits until the started bundle answers {@code GET /}; returns a client for further calls. */
    private static HttpClient awaitHello(int port) {
        HttpClient http = HttpClient.newHttpClient();
        URI hello = URI.create("http://127.0.0.1:" + port + "/");
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> http.send(HttpRequest.newBuilder(hello).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
        return http;
    }

    private static List<String> filesIn(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(name -> !name.startsWith(".")).sorted().toList();
        }
    }

    private void prepareWorkDir() throws IOException {
        workDir = Files.createTempDirectory(Files.createDirectories(HumaRoutesTestSupport.TEST_WORK), "StartupTest-");
        Files.copy(Path.of("application.properties"), workDir.resolve("application.properties"));
        Path routes = Files.createDirectories(workDir.resolve("routes"));
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path route : files.sorted(Comparator.naturalOrder()).toList()) {
                Files.copy(route, routes.resolve(route.getFileName()));
            }
        }
    }

    private void start(Map<String, String> environment) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(BundleProcess.TEST_JVM_OPTIONS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), HumaCamelMain.class.getName()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(workDir.resolve("console.log").toFile());
        builder.environment().keySet().removeIf(key -> key.startsWith("API_") || key.startsWith("HUMA_"));
        builder.environment().putAll(environment);
        process = builder.start();
    }

    private String output() throws IOException {
        return Files.readString(workDir.resolve("console.log"), StandardCharsets.UTF_8);
    }
}

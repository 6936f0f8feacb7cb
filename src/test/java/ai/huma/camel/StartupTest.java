package ai.huma.camel;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.camel.test.AvailablePortFinder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Starts the bundle the way a user does, {@link HumaCamelMain} in its own JVM, in a working
 * directory holding a copy of application.properties and routes/.
 */
class StartupTest {

    @TempDir
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
        assertThat(output()).as("no receiver was ever started").doesNotContain("HttpServer started");
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

        HttpClient http = HttpClient.newHttpClient();
        URI hello = URI.create("http://127.0.0.1:" + port + "/");
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> http.send(HttpRequest.newBuilder(hello).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
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
        HttpClient http = HttpClient.newHttpClient();
        URI hello = URI.create("http://127.0.0.1:" + port + "/");
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> http.send(HttpRequest.newBuilder(hello).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);

        process.destroy(); // SIGTERM

        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
        assertThat(output()).contains("Shutting down: new webhooks are answered 503").contains("Shutdown: drained");
    }

    private void prepareWorkDir() throws IOException {
        Files.copy(Path.of("application.properties"), workDir.resolve("application.properties"));
        Path routes = Files.createDirectories(workDir.resolve("routes"));
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path route : files.sorted(Comparator.naturalOrder()).toList()) {
                Files.copy(route, routes.resolve(route.getFileName()));
            }
        }
    }

    private void start(Map<String, String> environment) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                HumaCamelMain.class.getName())
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

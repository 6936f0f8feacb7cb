package com.example.estate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.simulator.SimulatedWebhooks.Kind;
import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The packaged fat jar, as it runs in production ({@code java -jar target/spring-boot-host.jar}),
 * configured by the environment only, is stopped with SIGTERM while Huma is slow and webhooks are
 * still queued or in flight: it stops within a minute; what it did not finish stays in the journal of
 * the default queue mode, and once it is started again on the same data folder every webhook it
 * accepted is a result file or a dead letter, never both.
 */
class ShutdownDrainIT {

    private static final String TOKEN = "estate-webhook-secret-for-the-drain";
    private static final int WEBHOOKS = 6;
    private static final Duration STOP_LIMIT = Duration.ofSeconds(60);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private HumaSimulator huma;
    private Process host;
    private Path console;
    private boolean passed;

    @BeforeEach
    void startHuma() {
        huma = Support.simulator();
    }

    @AfterEach
    void stopAll(TestInfo test) throws IOException {
        if (host != null && host.isAlive()) {
            host.destroyForcibly();
        }
        huma.close();
        if (!passed && console != null && Files.exists(console)) {
            System.out.println("---- console of the host (" + console + ") for " + test.getDisplayName() + " ----");
            System.out.println(Files.readString(console, StandardCharsets.UTF_8));
            System.out.println("---- end of the console ----");
        }
    }

    @Test
    void sigtermLeavesNothingAcceptedUnfinishedAfterTheRestart() throws Exception {
        Path work = Support.folderUnderTarget("shutdown-drain-");
        Path output = work.resolve("output");
        Path deadLetters = work.resolve("data").resolve("dead-letter");
        console = work.resolve("console.log");
        int port = freePort();
        String baseUrl = "http://127.0.0.1:" + port;

        ProcessBuilder builder = new ProcessBuilder(javaExecutable(), "-Xmx256m", "-jar", hostJar().toString())
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(console.toFile());
        Map<String, String> env = builder.environment();
        env.put("API_URL", huma.baseUrl());
        env.put("API_SECRET_KEY", huma.apiKey());
        env.put("API_CALLBACK_AUTH", TOKEN);
        env.put("SERVER_PORT", Integer.toString(port));
        env.put("HUMA_OUTPUT_DIR", output.toString());
        env.put("HUMA_DATA_DIR", work.resolve("data").toString());
        // a drain shorter than the work queued: some events finish, the rest stay in the journal
        env.put("CAMEL_MAIN_SHUTDOWNTIMEOUT", "4");
        host = builder.start();

        await("the host's /actuator/health UP").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(250))
                .ignoreExceptionsInstanceOf(IOException.class)
                .until(() -> {
                    assertThat(host.isAlive()).as("the host is running").isTrue();
                    HttpResponse<String> health = get(baseUrl + "/actuator/health");
                    return health.statusCode() == 200 && health.body().startsWith("{\"status\":\"UP\"");
                });
        HttpResponse<String> hello = get(baseUrl + "/hello");
        assertThat(hello.statusCode()).isEqualTo(200);
        assertThat(hello.body()).isEqualTo("hello from the estate");

        // every call to Huma now takes 0.7 s, and a question has three pages: the events are still
        // queued or in flight when the host is told to stop
        huma.slow(".*", Duration.ofMillis(700), 1000);
        List<Webhook> accepted = new ArrayList<>();
        for (int i = 0; i < WEBHOOKS; i++) {
            Webhook webhook = Support.webhook(Kind.QUESTION);
            HttpResponse<String> answer = SimulatedWebhooks.send(http, baseUrl, TOKEN, webhook);
            assertThat(answer.statusCode()).as("webhook %d: %s", i, answer.body()).isEqualTo(200);
            accepted.add(webhook);
        }
        long doneBeforeStop = accepted.stream().filter(webhook -> resultWritten(output, webhook)).count();
        assertThat(doneBeforeStop).as("results written before the stop: nothing would be left to drain").isLessThan(WEBHOOKS);

        host.destroy(); // SIGTERM
        long stopDeadline = System.nanoTime() + STOP_LIMIT.toNanos();
        // webhooks sent from now on: until the host refuses one, each may still be accepted (then it
        // has to be drained like the others); then it refuses, with 503 or by no longer taking connections
        List<String> lateAnswers = new ArrayList<>();
        await("a webhook refused after SIGTERM").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    Webhook webhook = Support.webhook(Kind.QUESTION);
                    try {
                        HttpResponse<String> answer = SimulatedWebhooks.send(http, baseUrl, TOKEN, webhook);
                        lateAnswers.add(Integer.toString(answer.statusCode()));
                        if (answer.statusCode() == 200) {
                            accepted.add(webhook);
                            return false;
                        }
                        return true;
                    } catch (IOException e) {
                        lateAnswers.add(e.toString());
                        return true;
                    }
                });
        System.out.println("Webhooks sent after SIGTERM were answered: " + lateAnswers);
        String refusal = lateAnswers.get(lateAnswers.size() - 1);
        assertThat(refusal).as("the refusal of a webhook after SIGTERM: 503, or the connection refused or closed")
                .matches("503|java\\.(io|net)\\..*");
        boolean exited = host.waitFor(Math.max(0, stopDeadline - System.nanoTime()), TimeUnit.NANOSECONDS);

        assertThat(exited).as("the host exits within %s of SIGTERM", STOP_LIMIT).isTrue();
        String log = Files.readString(console, StandardCharsets.UTF_8);
        long doneAtStop = accepted.stream().filter(webhook -> resultWritten(output, webhook)).count();
        assertThat(doneAtStop).as("results written by the stop: the drain was cut short").isLessThan(accepted.size());
        assertThat(log).contains("not finished in time stay in the journal");

        // started again on the same data folder, Huma fast again: the journal's events are worked
        huma.recover();
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(console.toFile()));
        host = builder.start();
        await("every accepted webhook a result or a dead letter after the restart").atMost(Duration.ofSeconds(180))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    List<String> letters = deadLetters(deadLetters);
                    return accepted.stream().allMatch(webhook -> resultWritten(output, webhook)
                            || letters.stream().anyMatch(text -> text.contains(webhook.id())));
                });
        log = Files.readString(console, StandardCharsets.UTF_8);
        assertThat(log).contains("queued again for their workers");
        List<String> deadLetterTexts = deadLetters(deadLetters);
        List<Webhook> lost = new ArrayList<>();
        int results = 0;
        for (Webhook webhook : accepted) {
            boolean result = resultWritten(output, webhook);
            boolean dead = deadLetterTexts.stream().anyMatch(text -> text.contains(webhook.id()));
            results += result ? 1 : 0;
            if (result == dead) {
                lost.add(webhook);
            }
        }
        assertThat(lost).as("webhooks that are neither a result nor a dead letter, or both").isEmpty();
        assertThat(results + deadLetterTexts.size()).as("results + dead letters").isEqualTo(accepted.size());

        Matcher stopping = Pattern.compile("Shutting down: new webhooks are refused .*; draining (\\d+) queued and (\\d+) in-flight")
                .matcher(log);
        assertThat(stopping.find()).as("the drain's first line").isTrue();
        assertThat(Integer.parseInt(stopping.group(1)) + Integer.parseInt(stopping.group(2)))
                .as("events queued or in flight when the stop began: some, each counted once").isBetween(1, accepted.size());
        assertThat(log).contains("Shutdown: ");
        assertThat(log.indexOf("Shutdown: ")).as("the summary comes after the drain started").isGreaterThan(stopping.start());
        passed = true;
    }

    private static boolean resultWritten(Path output, Webhook webhook) {
        return webhook.resultFiles().stream().allMatch(file -> Files.isRegularFile(output.resolve(file)));
    }

    /** The dead letters' contents (finished files only: not the hidden .part files being written). */
    private static List<String> deadLetters(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            List<Path> finished = files.filter(Files::isRegularFile).filter(file -> !file.getFileName().toString().startsWith("."))
                    .toList();
            List<String> texts = new ArrayList<>();
            for (Path file : finished) {
                texts.add(Files.readString(file, StandardCharsets.UTF_8));
            }
            return texts;
        }
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static Path hostJar() {
        Path jar = Path.of(System.getProperty("host.jar", "target/spring-boot-host.jar")).toAbsolutePath();
        assertThat(jar).as("the packaged host (mvn package)").isRegularFile();
        return jar;
    }

    private static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }
}

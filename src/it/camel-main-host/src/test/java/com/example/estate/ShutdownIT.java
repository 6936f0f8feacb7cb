package com.example.estate;

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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.simulator.SimulatedWebhooks.Kind;
import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged estate ({@code java -jar target/camel-main-host.jar}) as a process, its Huma secrets in
 * the environment, stopped by SIGTERM while Huma is slow: Camel Main's graceful stop drains the Huma
 * queues, what it could not finish stays in the journal of the default queue mode, and once the estate
 * is started again on the same data folder every accepted webhook is a result file or a dead letter.
 */
class ShutdownIT {

    private static final int WEBHOOKS = 6;
    /** The estate's stop time for this run (application.properties says 20 s), overridden as Camel Main allows. */
    private static final int SHUTDOWN_TIMEOUT_SECONDS = 5;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void sigtermLeavesNothingAcceptedUnfinishedAfterTheRestart() throws Exception {
        Path jar = Path.of(System.getProperty("estate.jar", "target/camel-main-host.jar")).toAbsolutePath();
        assertThat(jar).as("the packaged application (run after `package`)").isRegularFile();
        Path work = Files.createDirectories(Path.of("target", "shutdown-it", "run-" + System.nanoTime()).toAbsolutePath());
        // not the defaults (output, data in the working folder): the environment must move them
        Path output = work.resolve("huma-results");
        Path data = work.resolve("huma-state");
        Path deadLetters = data.resolve("dead-letter");
        Path console = work.resolve("console.log");
        int port = RunningEstate.freePort();
        int managementPort = RunningEstate.freePort();
        String token = "estate-token-" + UUID.randomUUID();

        try (HumaSimulator huma = new HumaSimulator()) {
            // every call to Huma takes 0.7 s: 6 questions of 3 pages, 2 at a time, need 6.3 s, more than the stop allows
            huma.slow(".*", Duration.ofMillis(700), 1000);
            ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dcamel.main.shutdown-timeout=" + SHUTDOWN_TIMEOUT_SECONDS, "-jar", jar.toString())
                    .directory(work.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(console.toFile());
            Map<String, String> env = builder.environment();
            env.put("PORT", Integer.toString(port));
            env.put("MANAGEMENT_PORT", Integer.toString(managementPort));
            env.put("API_URL", huma.baseUrl());
            env.put("API_SECRET_KEY", huma.apiKey());
            env.put("API_CALLBACK_AUTH", token);
            env.put("HUMA_OUTPUT_DIR", output.toString());
            env.put("HUMA_DATA_DIR", data.toString());
            Process estate = builder.start();
            try {
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() -> {
                    assertThat(estate.isAlive()).as("the estate is running").isTrue();
                    return ready(managementPort);
                });

                List<Webhook> accepted = new ArrayList<>();
                for (int i = 1; i <= WEBHOOKS; i++) {
                    Webhook webhook = SimulatedWebhooks.webhook(Kind.QUESTION, SimulatedWebhooks.newId(), "Service charge for block " + i);
                    HttpResponse<String> answer = SimulatedWebhooks.send(http, "http://127.0.0.1:" + port, token, webhook);
                    assertThat(answer.statusCode()).as("webhook %d", i).isEqualTo(200);
                    accepted.add(webhook);
                }
                // the workers are busy with Huma when the signal comes
                await().atMost(Duration.ofSeconds(10)).until(() -> !huma.apiRequests().isEmpty());

                long signalled = System.nanoTime();
                estate.destroy(); // SIGTERM
                // while it stops, Huma is told to come back later; one sent before the stop began is accepted
                List<HttpResponse<String>> late = new ArrayList<>();
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
                    Webhook webhook = SimulatedWebhooks.webhook(Kind.QUESTION, SimulatedWebhooks.newId(), "Late " + late.size());
                    HttpResponse<String> answer = SimulatedWebhooks.send(http, "http://127.0.0.1:" + port, token, webhook);
                    late.add(answer);
                    if (answer.statusCode() == 200) {
                        accepted.add(webhook);
                    }
                    return answer.statusCode() == 503;
                });
                HttpResponse<String> refused = late.get(late.size() - 1);
                assertThat(refused.headers().firstValue("Retry-After")).as("503 while stopping").isPresent();
                assertThat(late).extracting(HttpResponse::statusCode).allMatch(status -> status == 200 || status == 503);
                boolean exited = estate.waitFor(60, TimeUnit.SECONDS);
                Duration stopping = Duration.ofNanos(System.nanoTime() - signalled);

                assertThat(exited).as("exited within 60 s of SIGTERM").isTrue();
                assertThat(estate.exitValue()).as("exit code (143: ended by SIGTERM after the shutdown hooks)").isIn(0, 143);
                String log = Files.readString(console, StandardCharsets.UTF_8);
                assertThat(log).contains("Shutting down: new webhooks are refused").contains("Shutdown: ");
                assertThat(log.indexOf("Shutting down: new webhooks are refused")).isLessThan(log.indexOf("Shutdown: "));
                java.util.regex.Matcher draining = java.util.regex.Pattern
                        .compile("draining (\\d+) queued and (\\d+) in-flight event").matcher(log);
                assertThat(draining.find()).as("the drain's first line").isTrue();
                assertThat(Integer.parseInt(draining.group(1)) + Integer.parseInt(draining.group(2)))
                        .as("events queued or in flight when the stop began: some, each counted once").isBetween(1, accepted.size());

                assertThat(files(output).size()).as("Huma needs more than the %d s stop: some events are not finished",
                        SHUTDOWN_TIMEOUT_SECONDS).isLessThan(accepted.size());
                assertThat(log).contains("not finished in time stay in the journal");

                // started again on the same data folder, Huma fast again: the journal's events are worked
                huma.recover();
                builder.redirectOutput(ProcessBuilder.Redirect.appendTo(console.toFile()));
                Process again = builder.start();
                try {
                    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                            .until(() -> files(output).size() + files(deadLetters).size() >= accepted.size());
                    assertThat(Files.readString(console, StandardCharsets.UTF_8)).contains("queued again for their workers");
                } finally {
                    again.destroy();
                    again.waitFor(60, TimeUnit.SECONDS);
                }
                List<String> results = files(output);
                List<String> letters = new ArrayList<>();
                for (String name : files(deadLetters)) {
                    letters.add(Files.readString(deadLetters.resolve(name), StandardCharsets.UTF_8));
                }
                System.out.printf("stopped in %d ms: %d accepted, %d result(s), %d dead letter(s)%n", stopping.toMillis(),
                        accepted.size(), results.size(), letters.size());
                assertThat(results.size() + letters.size()).as("results + dead letters == accepted").isEqualTo(accepted.size());
                for (Webhook webhook : accepted) {
                    boolean result = results.contains(webhook.resultFiles().get(0));
                    long dead = letters.stream().filter(letter -> letter.contains(webhook.id())).count();
                    assertThat((result ? 1 : 0) + dead).as("ticket %s: a result or a dead letter, once", webhook.id()).isEqualTo(1);
                }
                assertThat(letters).as("Huma answers every call: no dead letter").isEmpty();
            } catch (Throwable failure) {
                System.out.println("---- estate console (" + console + ") ----");
                System.out.println(Files.exists(console) ? Files.readString(console, StandardCharsets.UTF_8) : "(none)");
                throw failure;
            } finally {
                if (estate.isAlive()) {
                    estate.destroyForcibly();
                }
            }
        }
    }

    private boolean ready(int managementPort) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/observe/health/ready"))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The completed files of a folder (not the hidden .part files still being written). */
    private static List<String> files(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(Files::isRegularFile).map(file -> file.getFileName().toString())
                    .filter(name -> !name.startsWith(".")).sorted().toList();
        }
    }
}

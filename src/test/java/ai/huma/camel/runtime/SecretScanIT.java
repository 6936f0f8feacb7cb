package ai.huma.camel.runtime;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.support.HumaRoutesTestSupport;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * No secret in any log, output file, dead letter, record or page. Runs after all other tests (failsafe,
 * in {@code mvn verify}): drives every path of the bundle once more (results, retries, dead letters,
 * replay, refused calls and replays with near-miss tokens), then scans everything the whole test run wrote: the
 * output and data folders of every test and the consoles of the launched JVMs (target/test-work),
 * the log file (target/test-logs) and the captured test output (target/surefire-reports,
 * target/failsafe-reports). The secrets: the API key, the callback token and the management token.
 */
class SecretScanIT extends HumaRoutesTestSupport {

    @Override
    protected Properties extraProperties() {
        return properties(
                "huma.management.token", MANAGEMENT_TOKEN,
                "huma.retry.initial-delay", "20",
                "huma.retry.max-redeliveries", "1");
    }

    @Test
    void nothingTheBundleWritesHoldsTheApiKeyOrTheCallbackToken() throws Exception {
        HUMA.question("t1", 150);
        HUMA.question("t2", 5);
        HUMA.subscription("s1", 120);
        HUMA.visual("v1", "pdf", "%PDF fake".getBytes(StandardCharsets.US_ASCII));
        HUMA.fail("/v1/questions/t2/result", null, 401, Integer.MAX_VALUE);
        HUMA.fail("/v1/subscription/s2/data", null, 500, Integer.MAX_VALUE);

        // refused calls, some presenting near-misses of the real token
        post(QUESTION_PATH, "Bearer " + CALLBACK_TOKEN + "x", "application/json", "{}");
        post(QUESTION_PATH, CALLBACK_TOKEN, "application/json", "{}");
        post(QUESTION_PATH, "Bearer " + CALLBACK_TOKEN + " " + CALLBACK_TOKEN, "application/json", "{}");
        post(HISTORY_PATH, "Bearer " + CALLBACK_TOKEN, "text/plain", CALLBACK_TOKEN);
        post(HISTORY_PATH, "Bearer " + CALLBACK_TOKEN, "application/json", "{\"" + CALLBACK_TOKEN.substring(3));
        // work that succeeds, fails for good, and is replayed
        webhook(SimulatedWebhooks.question("t1", "ok"));
        webhook(SimulatedWebhooks.question("t2", "key refused"));
        webhook(SimulatedWebhooks.subscription("s1"));
        webhook(SimulatedWebhooks.subscription("s2"));
        webhook(SimulatedWebhooks.history("v1"));

        awaitOutput("ok_result.json");
        awaitOutput("s1_result.json");
        awaitOutput("v1.pdf");
        awaitOutput("v1_result.json");
        await().atMost(Duration.ofSeconds(15)).until(() -> deadLetterFiles().size() == 2);
        // the operator page: replays refused with near-misses of the management token, one by hand
        // and one from the page with the token
        // every answer of the management port is scanned too
        Map<String, String> answers = new java.util.LinkedHashMap<>();
        for (String token : List.of(MANAGEMENT_TOKEN + "x", MANAGEMENT_TOKEN.substring(1),
                "Bearer " + MANAGEMENT_TOKEN)) {
            answers.put("replay refused (" + token.length() + " characters)",
                    operator("/operator/dead-letters/" + deadLetterFiles().get(0).getFileName() + "/replay", token).body());
        }
        Path replay = Files.createDirectories(dataDir.resolve("replay"));
        Path byHand = deadLetterFiles().get(0);
        Files.move(byHand, replay.resolve(byHand.getFileName()));
        var replayed = operator("/operator/dead-letters/" + deadLetterFiles().get(0).getFileName() + "/replay", MANAGEMENT_TOKEN);
        assertThat(replayed.statusCode()).isEqualTo(202);
        answers.put("replay", replayed.body());
        await().atMost(Duration.ofSeconds(15)).until(() -> deadLetterFiles().size() == 2);
        for (String path : List.of("/", "/operator/operator.js", "/operator/status.json", "/operator/events.json",
                "/operator/dead-letters.json", "/observe/health", "/observe/metrics")) {
            answers.put("GET " + path, operator(path, null).body());
        }

        Map<String, String> secrets = Map.of("callback token", CALLBACK_TOKEN, "API key", HUMA.apiKey(),
                "management token", MANAGEMENT_TOKEN);
        List<String> leaks = new ArrayList<>();
        answers.forEach((answer, body) -> secrets.forEach((name, secret) -> {
            if (body.contains(secret)) {
                leaks.add(name + " in the answer to " + answer);
            }
        }));
        assertThat(answers.get("GET /operator/events.json")).as("the page's events were read").contains("dead letter");
        int scanned = 0;
        for (Path root : List.of(TEST_WORK, Path.of("target", "test-logs"), Path.of("target", "surefire-reports"),
                Path.of("target", "failsafe-reports"))) {
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(root)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    scanned++;
                    String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                    secrets.forEach((name, secret) -> {
                        if (content.contains(secret)) {
                            leaks.add(name + " in " + file);
                        }
                    });
                }
            }
        }
        assertThat(Files.size(Path.of("target", "test-logs", "huma-camel.log"))).isPositive();
        assertThat(scanned).as("files scanned").isGreaterThan(10);
        assertThat(leaks).isEmpty();
    }

    /** A GET (token null) or a replay with that token to the management port's operator page. */
    private java.net.http.HttpResponse<String> operator(String path, String token) {
        java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + managementPort + path)).timeout(Duration.ofSeconds(10));
        if (token == null) {
            return send(request.GET().build());
        }
        return send(request.header(OperatorPage.TOKEN_HEADER, token).POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build());
    }
}

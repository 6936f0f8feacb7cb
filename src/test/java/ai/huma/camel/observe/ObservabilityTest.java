package ai.huma.camel.observe;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;
import ai.huma.camel.support.HumaRoutesTestSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Probes and metrics over HTTP, on the management port: liveness, readiness (the edge warm, the
 * queues taking work), and the bundle's counters and timers in Prometheus format; by default, the
 * operator page read-only and no Jolokia.
 */
// one bundle per test: each test counts what the bundle did since it started
@TestInstance(TestInstance.Lifecycle.PER_METHOD)
class ObservabilityTest extends HumaRoutesTestSupport {

    private final ObjectMapper json = new ObjectMapper();

    @Override
    protected Properties extraProperties() {
        return properties(
                "huma.retry.initial-delay", "20",
                "huma.retry.max-redeliveries", "1",
                "huma.http.max-body-size", "2048",
                "huma.queue.size", "3",
                // one worker, so that the queue fills behind it
                "huma.workers", "1");
    }

    @Test
    void livenessAndReadinessAreUpOnTheManagementPortOnly() throws Exception {
        HttpResponse<String> live = management("/observe/health/live");
        HttpResponse<String> ready = management("/observe/health/ready?exposureLevel=full");

        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(json.readTree(live.body()).get("status").asText()).isEqualTo("UP");
        assertThat(ready.statusCode()).isEqualTo(200);
        JsonNode checks = json.readTree(ready.body()).get("checks");
        assertThat(checks.findValuesAsText("name")).contains("context", "huma-edge", "huma-queues",
                "route:huma-webhook-question-answered", "route:huma-question-computed-worker");
        assertThat(checks.findValuesAsText("name")).as("the API check is off by default and not a readiness check")
                .doesNotContain("huma-api");
        // not where Huma calls in
        assertThat(send(request("/observe/health").GET().build()).statusCode()).isEqualTo(404);
    }

    @Test
    void withoutATokenTheOperatorPageIsReadOnlyAndJolokiaIsOff() throws Exception {
        HttpResponse<String> page = management("/");
        JsonNode status = json.readTree(management("/operator/status.json").body());
        HttpResponse<String> replay = send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + managementPort + "/operator/dead-letters/x.json/replay"))
                .header("X-Huma-Management-Token", "any-token-whatsoever-0123456789")
                .POST(HttpRequest.BodyPublishers.noBody()).build());

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("HUMA_MANAGEMENT_TOKEN");
        assertThat(status.get("replay_enabled").asBoolean()).isFalse();
        assertThat(replay.statusCode()).isEqualTo(403);
        assertThat(json.readTree(replay.body()).get("error").asText()).contains("HUMA_MANAGEMENT_TOKEN");
        assertThat(management("/observe/jolokia/version").statusCode()).isEqualTo(404);
    }

    @Test
    void aFullQueueIsNotReady() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(memoryQueues(), "a bounded queue is the in-memory one");
        HUMA.question("slow", 3);
        HUMA.delay(Duration.ofSeconds(3));
        // one in the worker, three waiting: the queue of three is full
        for (int i = 0; i < 4; i++) {
            webhook(SimulatedWebhooks.question("slow" + i, "q" + i));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> management("/observe/health/ready").statusCode() == 503);
        JsonNode down = json.readTree(management("/observe/health/ready").body());
        assertThat(down.get("status").asText()).isEqualTo("DOWN");
        assertThat(down.get("checks").findValuesAsText("name")).containsExactly("huma-queues");
        assertThat(management("/observe/health/live").statusCode()).as("full is not dead").isEqualTo(200);
        HUMA.recover();
        await().atMost(Duration.ofSeconds(20)).until(() -> management("/observe/health/ready").statusCode() == 200);
    }

    @Test
    void metricsCountWebhooksByStatusAndEventsByOutcome() throws Exception {
        HUMA.question("t1", 250);
        HUMA.question("t2", 5);
        HUMA.fail("/v1/questions/t2/result", null, 500, Integer.MAX_VALUE);
        Webhook ok = SimulatedWebhooks.question("t1", "counted");

        webhook(ok);
        webhook(ok);                                                                       // a duplicate
        webhook(SimulatedWebhooks.question("t2", "fails"));
        post(QUESTION_PATH, "Bearer wrong", "application/json", "{}");                     // 401
        webhook(QUESTION_PATH, "{not json");                                               // 400
        webhook(QUESTION_PATH, "{\"pad\":\"" + "x".repeat(3000) + "\"}");                 // 413
        send(request(QUESTION_PATH).GET().build());                                        // 405
        awaitOutput("counted_result.json");
        await().atMost(Duration.ofSeconds(15)).until(() -> deadLetterFiles().size() == 1);
        // the dead letter is replayed (and fails again)
        Path deadLetter = deadLetterFiles().get(0);
        Files.move(deadLetter, Files.createDirectories(dataDir.resolve("replay")).resolve(deadLetter.getFileName()));
        await().atMost(Duration.ofSeconds(15)).until(() -> deadLetterFiles().size() == 1);

        String metrics = management("/observe/metrics").body();
        String event = "event=\"Questions/Computed\"";
        assertThat(value(metrics, "huma_webhooks_total", event, "status=\"200\"")).isEqualTo(3);
        assertThat(value(metrics, "huma_webhooks_total", event, "status=\"401\"")).isEqualTo(1);
        assertThat(value(metrics, "huma_webhooks_total", event, "status=\"400\"")).isEqualTo(1);
        assertThat(value(metrics, "huma_webhooks_total", event, "status=\"413\"")).isEqualTo(1);
        assertThat(value(metrics, "huma_webhooks_total", event, "status=\"405\"")).isEqualTo(1);
        // on a broker, the repeat is dropped before it reaches a worker
        assertThat(value(metrics, "huma_events_duplicates_total", event)).isEqualTo(memoryQueues() ? 1 : 0);
        assertThat(value(metrics, "huma_events_completed_total", event)).isEqualTo(1);
        assertThat(value(metrics, "huma_events_dead_letters_total", event)).isEqualTo(2);
        assertThat(value(metrics, "huma_events_replays_total", event)).isEqualTo(1);
        assertThat(value(metrics, "huma_api_pages_total")).isEqualTo(3);
        assertThat(value(metrics, "huma_api_calls_seconds_count", "kind=\"api\"", "outcome=\"200\"")).isEqualTo(3);
        // t2: a call and its retry, twice (first run and replay)
        assertThat(value(metrics, "huma_api_calls_seconds_count", "kind=\"api\"", "outcome=\"500\"")).isEqualTo(4);
        if (memoryQueues()) {
            assertThat(metrics).contains("huma_queue_depth{queue=\"question\"}");
        }
        assertThat(value(metrics, "huma_queue_depth", "queue=\"question\"")).isZero();
        if ("journal".equals(context.getPropertiesComponent().resolveProperty("huma.queue.mode").orElse(""))) {
            // every accepted event finished: none left in the journal for a restart
            assertThat(metrics).containsPattern("(?m)^huma_journal_pending ");
            assertThat(value(metrics, "huma_journal_pending")).isZero();
        }
        assertThat(metrics).contains("jvm_memory_used_bytes");
    }

    private HttpResponse<String> management(String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path))
                .timeout(Duration.ofSeconds(10)).GET().build());
    }

    /** The value of the Prometheus sample with that name and all those labels (0 when absent). */
    private static double value(String metrics, String name, String... labels) {
        Matcher line = Pattern.compile("(?m)^" + name + "(\\{[^}]*\\})? (\\S+)$").matcher(metrics);
        double sum = 0;
        while (line.find()) {
            String found = line.group(1) == null ? "" : line.group(1);
            boolean all = true;
            for (String label : labels) {
                all &= found.contains(label);
            }
            if (all) {
                sum += Double.parseDouble(line.group(2));
            }
        }
        return sum;
    }
}

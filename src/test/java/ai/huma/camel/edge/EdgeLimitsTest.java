package ai.huma.camel.edge;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.support.HumaRoutesTestSupport;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.apache.camel.support.service.ServiceHelper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The edge under pressure: the body-size limit, two rotated callback secrets at once, and a burst of
 * concurrent webhooks.
 */
class EdgeLimitsTest extends HumaRoutesTestSupport {

    private static final int MAX_BODY = 2048;
    private static final String OLD = "Bearer old-secret";
    private static final String NEW = "Bearer new-secret";
    private static final List<String> WORKERS =
            List.of("huma-question-computed-worker", "huma-history-visualized-worker", "huma-subscription-updated-worker");

    /** For each webhook path, the start of a valid body whose event makes no call to Huma. */
    private static final Map<String, String> NO_CALL_BODIES = Map.of(
            QUESTION_PATH, "{\"question\":\"q\",\"question_status\":\"rejected\",\"ticket_number\":\"abc\"",
            HISTORY_PATH, "{\"conversion_id\":\"../x\"",
            SUBSCRIPTION_PATH, "{\"links\":[]");

    private final ObjectMapper json = new ObjectMapper();

    @Override
    protected Properties extraProperties() {
        Properties properties = new Properties();
        properties.setProperty("huma.http.max-body-size", Integer.toString(MAX_BODY));
        properties.setProperty("huma.callback.token", "old-secret,new-secret");
        return properties;
    }

    @Test
    void aBodyOverTheLimitIs413OnEveryPathAndReachesNoWorker() {
        List<NotifyBuilder> first = WORKERS.stream().map(w -> whenDone(w, 1)).toList();
        List<NotifyBuilder> second = WORKERS.stream().map(w -> whenDone(w, 2)).toList();

        for (String path : NO_CALL_BODIES.keySet()) {
            for (int size : List.of(MAX_BODY + 1, MAX_BODY + 100, 64 * 1024)) {
                String body = padded(NO_CALL_BODIES.get(path), size);
                assertThat(body.getBytes(StandardCharsets.UTF_8)).hasSize(size);
                HttpResponse<String> response = post(path, NEW, "application/json", body);
                assertThat(response.statusCode()).as("%s with %d bytes", path, size).isEqualTo(413);
            }
        }

        // one small valid webhook per path: each worker sees exactly that one, none of the big ones
        for (String path : NO_CALL_BODIES.keySet()) {
            assertThat(post(path, NEW, "application/json", NO_CALL_BODIES.get(path) + "}").statusCode()).isEqualTo(200);
        }
        first.forEach(HumaRoutesTestSupport::awaitDone);
        awaitWorkersIdle();
        for (int i = 0; i < WORKERS.size(); i++) {
            assertThat(second.get(i).matches()).as("%s worked an oversized webhook", WORKERS.get(i)).isFalse();
        }
        assertThat(HUMA.requests()).isEmpty();
    }

    @Test
    void aBodyJustUnderOrAtTheLimitIsAccepted() {
        // the two bodies of a path are the same delivery: on a broker the second never reaches the worker
        int perWorker = memoryQueues() ? 2 : 1;
        List<NotifyBuilder> done = WORKERS.stream().map(w -> whenDone(w, perWorker)).toList();

        for (String path : NO_CALL_BODIES.keySet()) {
            for (int size : List.of(MAX_BODY - 8, MAX_BODY)) {
                HttpResponse<String> response = post(path, OLD, "application/json", padded(NO_CALL_BODIES.get(path), size));
                assertThat(response.statusCode()).as("%s with %d bytes: %s", path, size, response.body()).isEqualTo(200);
                assertThat(response.body()).isEqualTo("{}");
            }
        }
        // and they reached their workers
        done.forEach(HumaRoutesTestSupport::awaitDone);
    }

    @Test
    void bothRotatedSecretsAreAcceptedAndNothingElse() throws Exception {
        assertThat(post(QUESTION_PATH, OLD, "application/json", rejected(1)).statusCode()).isEqualTo(200);
        assertThat(post(QUESTION_PATH, NEW, "application/json", rejected(2)).statusCode()).isEqualTo(200);
        assertThat(post(SUBSCRIPTION_PATH, OLD, "application/json", "{\"links\":[]}").statusCode()).isEqualTo(200);
        assertThat(post(HISTORY_PATH, NEW, "application/json", SimulatedWebhooks.history("../x").body()).statusCode()).isEqualTo(200);

        for (String refused : List.of("Bearer third-secret", "Bearer " + CALLBACK_TOKEN, "Bearer old-secret,new-secret",
                "Bearer old-secret new-secret", "Bearer old-secre", "Bearer new-secret2")) {
            HttpResponse<String> response = post(QUESTION_PATH, refused, "application/json", rejected(3));
            assertThat(response.statusCode()).as(refused).isEqualTo(401);
            assertThat(json.readTree(response.body()).path("error").asText()).isEqualTo("Unauthorized");
        }
        // the default test token of the support class is not a secret of this class
        assertThat(webhook(QUESTION_PATH, rejected(4)).statusCode()).isEqualTo(401);
    }

    @Test
    void twoHundredConcurrentWebhooksAreAllAnswered200Or503AndTheServerStaysUp() throws Exception {
        int count = 200;
        AtomicInteger worked = countDone("huma-question-computed-worker");
        ExecutorService executor = Executors.newFixedThreadPool(16);
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .executor(executor)
                .build();
        try {
            List<CompletableFuture<Object>> calls = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + QUESTION_PATH))
                        .timeout(Duration.ofSeconds(15))
                        .header("Authorization", i % 2 == 0 ? OLD : NEW)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                SimulatedWebhooks.question("burst" + i, "burst " + i, "processing").body()))
                        .build();
                calls.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                        .<Object>thenApply(r -> r)
                        .exceptionally(e -> e));
            }
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

            List<String> wrong = new ArrayList<>();
            int accepted = 0;
            for (CompletableFuture<Object> call : calls) {
                Object outcome = call.join();
                if (outcome instanceof HttpResponse<?> response) {
                    if (response.statusCode() == 200) {
                        accepted++;
                    } else if (response.statusCode() == 503) {
                        assertThat(response.headers().firstValue("Retry-After")).isPresent();
                    } else {
                        wrong.add(response.statusCode() + " " + response.body());
                    }
                } else {
                    wrong.add(String.valueOf(outcome));
                }
            }
            assertThat(wrong).as("answers other than 200/503, or connection errors").isEmpty();
            assertThat(accepted).as("webhooks accepted").isPositive();

            // the server still serves, and every accepted webhook reached the worker, with no API call
            HttpResponse<String> hello = send(request("/").GET().build());
            assertThat(hello.statusCode()).isEqualTo(200);
            assertThat(hello.body()).isEqualTo("hello!");
            int acceptedInAll = accepted;
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(worked.get()).isEqualTo(acceptedInAll));
            assertThat(HUMA.apiRequests()).isEmpty();
        } finally {
            executor.shutdownNow();
        }
    }

    /** Counts, from now on, the exchanges the route has finished (completed or failed). */
    private AtomicInteger countDone(String routeId) throws Exception {
        AtomicInteger done = new AtomicInteger();
        EventNotifierSupport notifier = new EventNotifierSupport() {
            @Override
            public boolean isEnabled(CamelEvent event) {
                return event instanceof CamelEvent.ExchangeCompletedEvent || event instanceof CamelEvent.ExchangeFailedEvent;
            }

            @Override
            public void notify(CamelEvent event) {
                if (routeId.equals(((CamelEvent.ExchangeEvent) event).getExchange().getFromRouteId())) {
                    done.incrementAndGet();
                }
            }
        };
        context.getManagementStrategy().addEventNotifier(notifier);
        ServiceHelper.startService(notifier);
        return done;
    }

    /** The body of a rejected question (no call to Huma), ticket {@code rot<n>}. */
    private static String rejected(int n) {
        return SimulatedWebhooks.question("rot" + n, "q", "rejected").body();
    }

    /** {@code start} (a JSON object without its closing brace) padded to exactly {@code size} bytes. */
    private static String padded(String start, int size) {
        String open = start + ",\"pad\":\"";
        int padding = size - open.length() - 2;
        assertThat(padding).isNotNegative();
        return open + "x".repeat(padding) + "\"}";
    }
}

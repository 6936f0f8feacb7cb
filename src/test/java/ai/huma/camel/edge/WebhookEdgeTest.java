package ai.huma.camel.edge;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.support.HumaRoutesTestSupport;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class WebhookEdgeTest extends HumaRoutesTestSupport {

    /** A valid body whose event makes no call to Huma: a rejected question. */
    private static final String VALID_BODY = SimulatedWebhooks.question("abc", "q", "rejected").body();
    private static final List<String> WEBHOOK_PATHS = List.of(QUESTION_PATH, HISTORY_PATH, SUBSCRIPTION_PATH);

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void helloAnswersTheLivenessCheck() {
        HttpResponse<String> response = send(request("/").GET().build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("hello!");
    }

    @Test
    void everyBadAuthorizationIs401AndNothingIsQueued() throws Exception {
        List<String> badHeaders = Arrays.asList(null, "", " ", "Bearer", "Bearer ", "Bearer" + CALLBACK_TOKEN,
                CALLBACK_TOKEN, "Bearer wrong-token", "Bearer " + CALLBACK_TOKEN + " extra",
                "Bearer " + CALLBACK_TOKEN.substring(0, CALLBACK_TOKEN.length() - 1),
                "Bearer " + CALLBACK_TOKEN + "x");
        WorkerCounts counts = new WorkerCounts();

        List<String> failures = new ArrayList<>();
        for (String path : WEBHOOK_PATHS) {
            for (String header : badHeaders) {
                HttpResponse<String> response = post(path, header, "application/json", VALID_BODY);
                if (response.statusCode() != 401 || !json.readTree(response.body()).path("error").asText().equals("Unauthorized")) {
                    failures.add(path + " with " + header + ": " + response.statusCode() + " " + response.body());
                }
                assertThat(response.headers().firstValue("Authorization")).isEmpty();
            }
        }

        assertThat(failures).isEmpty();
        counts.assertOnlyTheFollowingValidWebhooksReachTheWorkers();
        assertThat(HUMA.requests()).isEmpty();
    }

    @Test
    void anySchemeWithTheRightTokenIsAccepted() {
        for (String scheme : List.of("Bearer", "Token", "bearer")) {
            HttpResponse<String> response = post(QUESTION_PATH, scheme + " " + CALLBACK_TOKEN, "application/json", VALID_BODY);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("{}");
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        }
    }

    @Test
    void everyBodyThatIsNotAJsonObjectIs400WithAReason() throws Exception {
        // body, content type, words the error must contain
        List<String[]> cases = List.of(
                new String[] {"{\"question\": ", "application/json", "not valid JSON"},
                new String[] {"", "application/json", "empty"},
                new String[] {"[1,2]", "application/json", "array"},
                new String[] {"\"text\"", "application/json", "string"},
                new String[] {"null", "application/json", "null"},
                new String[] {"42", "application/json", "number"},
                new String[] {"{} trailing", "application/json", "not valid JSON"},
                new String[] {"question=q", "application/x-www-form-urlencoded", "Content-Type"},
                new String[] {VALID_BODY, "text/plain", "Content-Type"});
        WorkerCounts counts = new WorkerCounts();

        for (String path : WEBHOOK_PATHS) {
            for (String[] c : cases) {
                HttpResponse<String> response = post(path, "Bearer " + CALLBACK_TOKEN, c[1], c[0]);
                assertThat(response.statusCode()).as("%s %s", path, c[0]).isEqualTo(400);
                assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
                assertThat(json.readTree(response.body()).path("error").asText()).as(c[0]).contains(c[2]);
            }
        }

        // the server keeps serving, and none of the bad bodies reached a worker
        counts.assertOnlyTheFollowingValidWebhooksReachTheWorkers();
    }

    @Test
    void aBodyWithoutContentTypeIsReadAsJson() {
        HttpResponse<String> response = send(request(QUESTION_PATH)
                .header("Authorization", "Bearer " + CALLBACK_TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(VALID_BODY)).build());

        assertThat(response.statusCode()).isEqualTo(200);
    }

    @Test
    void wrongMethodsAre405() {
        for (String path : WEBHOOK_PATHS) {
            assertThat(send(request(path).GET().build()).statusCode()).isEqualTo(405);
            assertThat(send(request(path).PUT(HttpRequest.BodyPublishers.ofString(VALID_BODY)).build()).statusCode()).isEqualTo(405);
            assertThat(send(request(path).DELETE().build()).statusCode()).isEqualTo(405);
        }
        assertThat(send(request("/").POST(HttpRequest.BodyPublishers.ofString("{}")).build()).statusCode()).isEqualTo(405);
    }

    @Test
    void unknownPathsAre404() {
        assertThat(post("/api/webhook-other", "Bearer " + CALLBACK_TOKEN, "application/json", VALID_BODY).statusCode())
                .isEqualTo(404);
    }

    /**
     * Counts what reaches the three workers from now on: once a valid webhook sent last has been
     * worked and the workers are idle, anything queued before it has been worked too.
     */
    private final class WorkerCounts {

        private static final List<String> WORKERS =
                List.of("huma-question-computed-worker", "huma-history-visualized-worker", "huma-subscription-updated-worker");
        private final List<NotifyBuilder> first = WORKERS.stream().map(w -> whenDone(w, 1)).toList();
        private final List<NotifyBuilder> second = WORKERS.stream().map(w -> whenDone(w, 2)).toList();

        void assertOnlyTheFollowingValidWebhooksReachTheWorkers() {
            // valid webhooks that make no API call: a rejected question, ids the workers refuse
            assertThat(webhook(QUESTION_PATH, VALID_BODY).statusCode()).isEqualTo(200);
            assertThat(webhook(SimulatedWebhooks.history("../x")).statusCode()).isEqualTo(200);
            assertThat(webhook(SUBSCRIPTION_PATH, "{\"links\":[]}").statusCode()).isEqualTo(200);
            first.forEach(HumaRoutesTestSupport::awaitDone);
            awaitWorkersIdle();
            for (int i = 0; i < WORKERS.size(); i++) {
                assertThat(second.get(i).matches()).as("%s worked a refused webhook", WORKERS.get(i)).isFalse();
            }
        }
    }
}

package ai.huma.camel.simulator;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import ai.huma.camel.support.HumaRoutesTestSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The simulated Huma API asked as the bundle's users ask Huma: a question, a subscription and a visual
 * are accepted, "computed" after a delay, and called back to the bundle's real webhook routes as Huma
 * does, which then fetch and write the result; and a callback that is lost never reaches the bundle.
 */
class SimulatorCallsBackTest extends HumaRoutesTestSupport {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void anAskedQuestionIsComputedThenCalledBackAndItsResultWritten() throws Exception {
        HUMA.callbacks("http://127.0.0.1:" + port, CALLBACK_TOKEN);
        HUMA.computeDelay(Duration.ofMillis(300));

        JsonNode accepted = ask("/v1/questions", "{\"question\":\"Sales by site\",\"answer_format\":\"json\"}", 200);
        assertThat(accepted.path("question_status").asText()).isEqualTo("accepted");
        String ticket = accepted.path("ticket_number").asText();
        assertThat(ticket).matches("[0-9a-f]{24}");
        assertThat(status("/v1/questions/" + ticket + "/status").path("question_status").asText()).isEqualTo("processing");

        JsonNode result = json.readTree(awaitOutput("Sales_by_site_result.json").toFile());
        assertThat(result.at("/answer/data").size()).isEqualTo(HumaSimulator.ANY_QUESTION_RECORDS);
        assertThat(status("/v1/questions/" + ticket + "/status").path("question_status").asText()).isEqualTo("succeeded");
        await().atMost(Duration.ofSeconds(5)).until(() -> !HUMA.callbackAttempts().isEmpty());
        assertThat(HUMA.callbackAttempts()).containsExactly(new HumaSimulator.Callback("Questions/Computed", ticket, 1, 200, false));
    }

    @Test
    void aSubscriptionAndAVisualAreCalledBackToo() throws Exception {
        HUMA.callbacks("http://127.0.0.1:" + port, CALLBACK_TOKEN);
        HUMA.computeDelay(Duration.ofMillis(100));
        String ticket = SimulatedWebhooks.newId();

        String subscribed = ask("/v1/subscription/create", "{\"ticket_number\":\"" + ticket + "\"}", 200).path("subscribed_id").asText();
        String conversion = ask("/v1/histories/visual", "{\"ticket_number\":\"" + ticket + "\",\"file_type\":\"csv\",\"visual_type\":\"table\"}",
                200).path("conversion_id").asText();

        awaitOutput(subscribed + "_result.json");
        awaitOutput(conversion + ".csv");
        awaitOutput(conversion + "_result.json");
        assertThat(HUMA.callbackAttempts()).extracting(HumaSimulator.Callback::status).containsOnly(200);
    }

    @Test
    void aLostCallbackNeverReachesTheBundle() throws Exception {
        HUMA.callbacks("http://127.0.0.1:" + port, CALLBACK_TOKEN);
        HUMA.computeDelay(Duration.ofMillis(50));
        HUMA.loseCallbacks(true);

        String ticket = ask("/v1/questions", "{\"question\":\"Lost one\"}", 200).path("ticket_number").asText();

        await().atMost(Duration.ofSeconds(5)).until(() -> !HUMA.callbackAttempts().isEmpty());
        assertThat(HUMA.callbackAttempts()).containsExactly(new HumaSimulator.Callback("Questions/Computed", ticket, 1, -1, true));
        // computed all the same: a status call (the reconciliation's) finds it succeeded
        assertThat(status("/v1/questions/" + ticket + "/status").path("question_status").asText()).isEqualTo("succeeded");
        assertThat(HUMA.apiRequests()).noneMatch(request -> request.path().endsWith("/result"));
        assertThat(outputFiles()).isEmpty();
    }

    @Test
    void aRequestWithoutAQuestionIsRefusedAndNothingIsComputed() throws Exception {
        HUMA.callbacks("http://127.0.0.1:" + port, CALLBACK_TOKEN);
        assertThat(ask("/v1/questions", "{\"commands\":[]}", 400).path("error_message").asText()).isEqualTo("question is required");
        assertThat(ask("/v1/histories/visual", "{\"ticket_number\":\"" + SimulatedWebhooks.newId() + "\",\"file_type\":\"gif\"}", 400)
                .path("error_message").asText()).contains("file_type");
        assertThat(HUMA.callbackAttempts()).isEmpty();
    }

    private JsonNode ask(String path, String body, int expectedStatus) throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(HUMA.baseUrl() + path))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + HUMA.apiKey())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(expectedStatus);
        return json.readTree(response.body());
    }

    private JsonNode status(String path) throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(HUMA.baseUrl() + path))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + HUMA.apiKey()).GET().build());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }
}

package ai.huma.camel;

import java.util.List;

import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.support.HumaRoutesTestSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SubscriptionUpdatedTest extends HumaRoutesTestSupport {

    private static final String SUBSCRIBED_ID = "6601a2b3c4d5e6f708192a3b";
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void updatedSubscriptionFetchesEveryPageAndWritesOneResult() throws Exception {
        HUMA.subscription(SUBSCRIBED_ID, 230);

        var response = webhook(SimulatedWebhooks.subscription(SUBSCRIBED_ID));

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode result = json.readTree(awaitOutput(SUBSCRIBED_ID + "_result.json").toFile());
        List<Integer> rows = result.at("/subscriptions/data").findValues("row").stream().map(JsonNode::asInt).toList();
        assertThat(rows).hasSize(230).isSorted();
        assertThat(rows.get(0)).isEqualTo(1);
        assertThat(rows.get(229)).isEqualTo(230);
        assertThat(HUMA.apiRequests()).extracting(HumaSimulator.Request::path)
                .containsOnly("/v1/subscription/" + SUBSCRIBED_ID + "/data");
        assertThat(HUMA.apiRequests()).extracting(HumaSimulator.Request::page).containsExactly(1, 2, 3);
        assertThat(outputFiles()).containsExactly(SUBSCRIBED_ID + "_result.json");
    }

    @Test
    void everyUpdateIsFetchedAgain() throws Exception {
        HUMA.subscription(SUBSCRIBED_ID, 5);
        NotifyBuilder done = whenDone("huma-subscription-updated-worker", 2);

        webhook(SUBSCRIPTION_PATH, payload("/v1/subscription/" + SUBSCRIBED_ID + "/data"));
        webhook(SUBSCRIPTION_PATH, payload("/v1/subscription/" + SUBSCRIBED_ID + "/data/"));

        awaitDone(done);
        assertThat(HUMA.apiRequests()).hasSize(2);
        assertThat(json.readTree(outputDir.resolve(SUBSCRIBED_ID + "_result.json").toFile()).at("/subscriptions/data").size())
                .isEqualTo(5);
    }

    @Test
    void hostileOrMissingLinksAreRejectedWithoutACall() {
        List<String> payloads = List.of(
                payload("https://x/v1/subscription/../data"),
                payload("https://x/v1/subscription/a%2F..%2Fb/data"),
                payload("https://x/v1/subscription/" + "a".repeat(300) + "/data"),
                payload("data"),
                payload(""),
                "{\"links\":[]}",
                "{\"links\":[\"https://x/v1/subscription/abc/data\"]}",
                "{\"links\":[{\"href\":42}]}",
                "{}");
        NotifyBuilder done = whenDone("huma-subscription-updated-worker", payloads.size());

        for (String payload : payloads) {
            assertThat(webhook(SUBSCRIPTION_PATH, payload).statusCode()).isEqualTo(200);
        }

        awaitDone(done);
        assertThat(HUMA.requests()).isEmpty();
        assertThat(outputFiles()).isEmpty();
    }

    /** A payload whose link is {@code href}: the link is what these tests vary. */
    private String payload(String href) {
        try {
            return json.writeValueAsString(java.util.Map.of("links", List.of(java.util.Map.of("href", href, "rel", "data"))));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

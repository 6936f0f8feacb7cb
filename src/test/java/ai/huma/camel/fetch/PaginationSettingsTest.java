package ai.huma.camel.fetch;

import java.util.Properties;

import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.support.HumaRoutesTestSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** huma.pages.limit and huma.pages.max, as a user sets them in application.properties. */
class PaginationSettingsTest extends HumaRoutesTestSupport {

    @Override
    protected Properties extraProperties() {
        return properties(
                "huma.pages.limit", "10",
                "huma.pages.max", "2");
    }

    @Test
    void answersLongerThanTheCapAreCutAtMaxPages() throws Exception {
        HUMA.question("t1", 55);
        HUMA.subscription("s1", 55);

        webhook(SimulatedWebhooks.question("t1", "capped"));
        webhook(SimulatedWebhooks.subscription("s1"));

        ObjectMapper json = new ObjectMapper();
        JsonNode question = json.readTree(awaitOutput("capped_result.json").toFile());
        JsonNode subscription = json.readTree(awaitOutput("s1_result.json").toFile());
        assertThat(question.at("/answer/data").findValues("row")).extracting(JsonNode::asInt)
                .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 20).boxed().toList());
        assertThat(subscription.at("/subscriptions/data").size()).isEqualTo(20);
        assertThat(HUMA.apiRequests()).extracting(HumaSimulator.Request::page).containsExactlyInAnyOrder(1, 2, 1, 2);
        assertThat(HUMA.apiRequests()).extracting(r -> r.query().get("limit")).containsOnly("10");
    }
}

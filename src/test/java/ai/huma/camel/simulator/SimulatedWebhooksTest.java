package ai.huma.camel.simulator;

import java.util.Map;

import ai.huma.camel.fetch.HumaIds;
import ai.huma.camel.simulator.SimulatedWebhooks.Kind;
import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The webhooks the simulator and the tests send: Huma's fields, where the bundle reads its ids, and the files it makes of them. */
class SimulatedWebhooksTest {

    private static final TypeReference<Map<String, Object>> FIELDS = new TypeReference<>() { };
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void aComputedQuestionHasHumasThreeFieldsAndOneResultFile() throws Exception {
        Webhook question = SimulatedWebhooks.question("65a1b2c3d4e5f60718293a4b", "What were sales in 2023?");

        assertThat(question.kind()).isEqualTo(Kind.QUESTION);
        assertThat(question.id()).isEqualTo("65a1b2c3d4e5f60718293a4b");
        assertThat(fields(question)).containsExactly(Map.entry("question", "What were sales in 2023?"),
                Map.entry("question_status", "succeeded"), Map.entry("ticket_number", "65a1b2c3d4e5f60718293a4b"));
        assertThat(HumaIds.idOf(Kind.QUESTION.humaEvent(), fields(question))).isEqualTo("65a1b2c3d4e5f60718293a4b");
        assertThat(question.resultFiles()).containsExactly("What_were_sales_in_2023_result.json");
        assertThat(SimulatedWebhooks.webhook(Kind.QUESTION, "t1", "q")).isEqualTo(SimulatedWebhooks.question("t1", "q"));
    }

    @Test
    void aQuestionNotComputedOrWithAnIdTheBundleRefusesMakesNoFile() throws Exception {
        Webhook processing = SimulatedWebhooks.question("t1", null, "processing");
        assertThat(fields(processing)).as("a null leaves its field out")
                .containsExactly(Map.entry("question_status", "processing"), Map.entry("ticket_number", "t1"));
        assertThat(processing.resultFiles()).isEmpty();
        assertThat(SimulatedWebhooks.question("t1", "q", "rejected").resultFiles()).isEmpty();
        assertThat(SimulatedWebhooks.question("t1", "q", null).resultFiles()).isEmpty();
        assertThat(SimulatedWebhooks.question("../../etc", "q").resultFiles()).isEmpty();
        assertThat(SimulatedWebhooks.question("t1", "").resultFiles()).containsExactly("question_t1_result.json");
    }

    @Test
    void aSubscriptionAndAVisualNameTheirIdWhereTheBundleReadsIt() throws Exception {
        Webhook subscription = SimulatedWebhooks.subscription("6601a2b3c4d5e6f708192a3b");
        assertThat(HumaIds.subscribedId(fields(subscription))).isEqualTo("6601a2b3c4d5e6f708192a3b");
        assertThat(subscription.resultFiles()).containsExactly("6601a2b3c4d5e6f708192a3b_result.json");
        assertThat(subscription.kind().path()).isEqualTo("/api/webhook-subscription-updated");

        Webhook visual = SimulatedWebhooks.history("6702b3c4d5e6f708192a3b4c");
        assertThat(fields(visual)).containsExactly(Map.entry("conversion_id", "6702b3c4d5e6f708192a3b4c"));
        assertThat(visual.resultFiles()).containsExactly("6702b3c4d5e6f708192a3b4c.pdf", "6702b3c4d5e6f708192a3b4c_result.json");
        assertThat(SimulatedWebhooks.history("../x").resultFiles()).isEmpty();
    }

    @Test
    void withAddsOrReplacesOneFieldAndKeepsTheRest() throws Exception {
        Webhook update = SimulatedWebhooks.subscription("s1").with("updated_at", "2026-11-28T10:00:00Z");

        assertThat(fields(update)).containsKeys("links").containsEntry("updated_at", "2026-11-28T10:00:00Z");
        assertThat(HumaIds.subscribedId(fields(update))).isEqualTo("s1");
        assertThat(update.resultFiles()).isEqualTo(SimulatedWebhooks.subscription("s1").resultFiles());
        assertThat(fields(update.with("updated_at", "later"))).containsEntry("updated_at", "later").hasSize(2);
    }

    private Map<String, Object> fields(Webhook webhook) throws Exception {
        return json.readValue(webhook.body(), FIELDS);
    }
}

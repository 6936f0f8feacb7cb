package ai.huma.camel.fetch;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;
import ai.huma.camel.support.HumaRoutesTestSupport;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Huma allows a webhook 5 s: the answer never waits for Huma's API, however slow it is. */
class SlowHumaApiTest extends HumaRoutesTestSupport {

    /** Longer than Huma allows a webhook: an answer that waited for the API could not keep the promise. */
    private static final Duration SLOWER_THAN_HUMAS_DEADLINE = HUMA_DEADLINE.plusSeconds(1);

    @Test
    void webhooksAreAnsweredWithinHumasDeadlineWhileEachCallToTheApiTakesLonger() {
        HUMA.question("a1", 10);
        HUMA.subscription("s1", 10);
        HUMA.visual("v1", "csv", "x\n".getBytes());
        // the three calls the workers make first (the question's page, the subscription's page and
        // the visual's result) each take longer than Huma's deadline
        HUMA.slow("/v1/.*", SLOWER_THAN_HUMAS_DEADLINE, 3);

        for (Webhook webhook : List.of(SimulatedWebhooks.question("a1", "slow"), SimulatedWebhooks.subscription("s1"),
                SimulatedWebhooks.history("v1"))) {
            long sent = System.nanoTime();
            HttpResponse<String> answer = webhook(webhook);
            Duration took = Duration.ofNanos(System.nanoTime() - sent);

            assertThat(answer.statusCode()).as(webhook.kind().event()).isEqualTo(200);
            // the limit is the promise: answered before Huma gives up on the attempt
            assertThat(took).as("%s answered in %s", webhook.kind().event(), took).isLessThan(HUMA_DEADLINE);
        }

        // and the work still gets done, at Huma's pace
        awaitOutput("slow_result.json");
        awaitOutput("s1_result.json");
        awaitOutput("v1.csv");
        awaitOutput("v1_result.json");
        assertThat(HUMA.apiRequests()).as("each slow call was made, and waited for").hasSize(3);
    }
}

package ai.huma.camel.fetch;

import java.time.Duration;
import java.util.List;
import java.util.Properties;

import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.support.HumaRoutesTestSupport;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A burst of webhooks cannot flood Huma: a cap on concurrent calls, and a pause between pages. */
class ApiPacingTest extends HumaRoutesTestSupport {

    @Override
    protected Properties extraProperties() {
        return properties(
                "huma.api.max-concurrent-calls", "1",
                "huma.pages.pause", "200",
                "huma.pages.limit", "10");
    }

    @Test
    void eventsOfAllThreeWorkersCallHumaOneAtATime() {
        HUMA.question("t1", 10);
        HUMA.subscription("s1", 10);
        HUMA.visual("v1", "csv", "a\n".getBytes());
        HUMA.delay(Duration.ofMillis(300));

        webhook(SimulatedWebhooks.question("t1", "q"));
        webhook(SimulatedWebhooks.subscription("s1"));
        webhook(SimulatedWebhooks.history("v1"));

        awaitOutput("q_result.json");
        awaitOutput("s1_result.json");
        awaitOutput("v1_result.json");
        assertThat(HUMA.requests()).hasSize(4);
        assertThat(HUMA.maxConcurrentRequests()).isEqualTo(1);
    }

    @Test
    void pagesOfOneAnswerAreSpacedByThePause() {
        HUMA.question("t1", 30);

        webhook(SimulatedWebhooks.question("t1", "paced"));

        awaitOutput("paced_result.json");
        List<HumaSimulator.Request> calls = HUMA.apiRequests();
        assertThat(calls).extracting(HumaSimulator.Request::page).containsExactly(1, 2, 3);
        for (int i = 1; i < calls.size(); i++) {
            Duration gap = Duration.ofNanos(calls.get(i).receivedNanos() - calls.get(i - 1).receivedNanos());
            assertThat(gap).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        }
    }
}

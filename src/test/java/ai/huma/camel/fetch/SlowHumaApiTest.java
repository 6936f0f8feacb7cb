package ai.huma.camel.fetch;

import java.net.http.HttpResponse;
import java.time.Duration;

import ai.huma.camel.support.HumaRoutesTestSupport;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Huma allows a webhook 5 s: the answer never waits for Huma's API, however slow it is. */
class SlowHumaApiTest extends HumaRoutesTestSupport {

    @Test
    void webhooksAreAnsweredAtOnceWhileTheApiTakesThreeSecondsPerCall() {
        HUMA.question("a1", 10);
        HUMA.subscription("s1", 10);
        HUMA.visual("v1", "csv", "x\n".getBytes());
        // warm up the HTTP path (class loading, JIT) so that the timing below is the steady state
        assertThat(webhook(QUESTION_PATH, "{\"question_status\":\"processing\",\"ticket_number\":\"warm\"}").statusCode())
                .isEqualTo(200);
        HUMA.delay(Duration.ofSeconds(3));

        long started = System.nanoTime();
        HttpResponse<String> question = webhook(QUESTION_PATH,
                "{\"question\":\"slow\",\"question_status\":\"succeeded\",\"ticket_number\":\"a1\"}");
        HttpResponse<String> subscription = webhook(SUBSCRIPTION_PATH, "{\"links\":[{\"href\":\"/v1/subscription/s1/data\"}]}");
        HttpResponse<String> history = webhook(HISTORY_PATH, "{\"conversion_id\":\"v1\"}");
        Duration allThree = Duration.ofNanos(System.nanoTime() - started);

        assertThat(question.statusCode()).isEqualTo(200);
        assertThat(subscription.statusCode()).isEqualTo(200);
        assertThat(history.statusCode()).isEqualTo(200);
        assertThat(allThree).isLessThan(Duration.ofSeconds(1));

        // and the work still gets done, at Huma's pace
        awaitOutput("slow_result.json");
        awaitOutput("s1_result.json");
        awaitOutput("v1.csv");
        awaitOutput("v1_result.json");
    }
}

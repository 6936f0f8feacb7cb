package ai.huma.camel.queue;

import java.nio.file.Files;
import java.util.Properties;

import ai.huma.camel.runtime.HumaCamelMain;
import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;
import ai.huma.camel.support.HumaRoutesTestSupport;
import ai.huma.camel.support.TestPorts;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/** Huma delivers a webhook up to three times: the same delivery is worked once, a new event again. */
// one bundle per test: each test restarts the bundle
@TestInstance(TestInstance.Lifecycle.PER_METHOD)
class DuplicateDeliveryTest extends HumaRoutesTestSupport {

    private static final Webhook QUESTION = SimulatedWebhooks.question("t1", "twice");

    @Test
    void theSameQuestionDeliveryIsWorkedOnce() {
        HUMA.question("t1", 5);
        NotifyBuilder done = whenDone("huma-question-computed-worker", 1);

        for (int i = 0; i < 3; i++) {
            assertThat(webhook(QUESTION).statusCode()).isEqualTo(200);
        }

        awaitDone(done);
        // the repeats too (on a broker they never reach the worker)
        awaitWorkersIdle();
        assertThat(HUMA.apiRequests()).hasSize(1);
        assertThat(outputFiles()).containsExactly("twice_result.json");
    }

    @Test
    void theSameHistoryDeliveryIsWorkedOnce() {
        HUMA.visual("v1", "csv", "a\n".getBytes());
        NotifyBuilder done = whenDone("huma-history-visualized-worker", 1);

        webhook(SimulatedWebhooks.history("v1"));
        webhook(SimulatedWebhooks.history("v1"));

        awaitDone(done);
        // the repeats too (on a broker they never reach the worker)
        awaitWorkersIdle();
        assertThat(HUMA.apiRequests()).hasSize(1);
    }

    @Test
    void aRepeatedSubscriptionDeliveryIsWorkedOnceAndANewUpdateAgain() {
        HUMA.subscription("s1", 5);
        Webhook update1 = SimulatedWebhooks.subscription("s1").with("updated_at", "2026-11-28T10:00:00Z");
        Webhook update2 = SimulatedWebhooks.subscription("s1").with("updated_at", "2026-11-28T11:00:00Z");
        NotifyBuilder done = whenDone("huma-subscription-updated-worker", 2);

        webhook(update1);
        webhook(update1);
        webhook(update2);
        webhook(update2);

        awaitDone(done);
        // the repeats too (on a broker they never reach the worker)
        awaitWorkersIdle();
        assertThat(HUMA.apiRequests()).extracting(HumaSimulator.Request::path)
                .containsExactly("/v1/subscription/s1/data", "/v1/subscription/s1/data");
    }

    @Test
    void twoUpdatesWhoseTextsLookAlikeAreTwoDeliveries() {
        HUMA.subscription("s1", 5);
        // the same text once glued together: "{links=[...], note=1, extra=2}"
        String glued = "{\"links\":[{\"href\":\"/v1/subscription/s1/data\"}],\"note\":\"1, extra=2\"}";
        String apart = "{\"links\":[{\"href\":\"/v1/subscription/s1/data\"}],\"note\":\"1\",\"extra\":\"2\"}";
        NotifyBuilder done = whenDone("huma-subscription-updated-worker", 2);

        webhook(SUBSCRIPTION_PATH, glued);
        webhook(SUBSCRIPTION_PATH, apart);

        awaitDone(done);
        assertThat(HUMA.apiRequests()).hasSize(2);
    }

    @Test
    void theSameUpdateWithItsKeysInAnotherOrderIsTheSameDelivery() {
        HUMA.subscription("s1", 5);
        NotifyBuilder done = whenDone("huma-subscription-updated-worker", 1);

        // literal texts: the order of their keys is what differs
        webhook(SUBSCRIPTION_PATH, "{\"links\":[{\"href\":\"/v1/subscription/s1/data\",\"rel\":\"data\"}],\"at\":1}");
        webhook(SUBSCRIPTION_PATH, "{\"at\":1,\"links\":[{\"rel\":\"data\",\"href\":\"/v1/subscription/s1/data\"}]}");

        awaitDone(done);
        // the repeats too (on a broker they never reach the worker)
        awaitWorkersIdle();
        assertThat(HUMA.apiRequests()).hasSize(1);
    }

    @Test
    void aTicketAndStatusThatGlueToTheSameTextAreTwoDeliveries() {
        NotifyBuilder done = whenDone("huma-question-computed-worker", 2);
        NotifyBuilder logged = new NotifyBuilder(context).fromRoute("huma-question-computed-worker")
                .filter(exchange -> exchange.getProperty(org.apache.camel.Exchange.DUPLICATE_MESSAGE) != null).whenDone(1).create();

        webhook(SimulatedWebhooks.question("a", null, "b:processing"));
        webhook(SimulatedWebhooks.question("a:b", null, "processing"));

        awaitDone(done);
        assertThat(logged.matches()).as("the second was taken for a duplicate").isFalse();
    }

    @Test
    void aNewStatusOfTheSameTicketIsANewDelivery() {
        HUMA.question("t1", 5);
        NotifyBuilder done = whenDone("huma-question-computed-worker", 2);

        webhook(SimulatedWebhooks.question("t1", "twice", "processing"));
        webhook(QUESTION);

        awaitDone(done);
        assertThat(HUMA.apiRequests()).hasSize(1);
        assertThat(outputFiles()).containsExactly("twice_result.json");
    }

    @Test
    void theRecordOfDeliveriesHoldsAcrossARestart() throws Exception {
        HUMA.question("t1", 5);
        webhook(QUESTION);
        awaitOutput("twice_result.json");
        Files.delete(outputDir.resolve("twice_result.json"));
        assertThat(HUMA.apiRequests()).hasSize(1);

        // a second bundle, started afresh on the same data folder, as after a restart
        context.stop();
        int secondPort = TestPorts.free();
        Main restarted = HumaCamelMain.newMain(HumaCamelMain.locations(), " (restarted)");
        Properties properties = new Properties();
        properties.putAll(testProperties);
        properties.setProperty("huma.port", Integer.toString(secondPort));
        // the routes as the launcher finds them (the working directory's routes/ are the project's own)
        properties.remove("huma.routes");
        restarted.setOverrideProperties(properties);
        restarted.start();
        try {
            port = secondPort;
            NotifyBuilder done = new NotifyBuilder(restarted.getCamelContext())
                    .fromRoute("huma-question-computed-worker").whenDone(1).create();

            assertThat(webhook(QUESTION).statusCode()).isEqualTo(200);

            awaitDone(done);
            assertThat(HUMA.apiRequests()).hasSize(1);
            assertThat(outputFiles()).isEmpty();
            assertThat(Files.readAllLines(dataDir.resolve("deliveries.idx"))).hasSize(1);
        } finally {
            restarted.stop();
        }
    }
}

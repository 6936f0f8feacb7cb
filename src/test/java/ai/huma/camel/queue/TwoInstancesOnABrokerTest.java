package ai.huma.camel.queue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import ai.huma.camel.support.BundleProcess;
import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;
import ai.huma.camel.support.HumaRoutesTestSupport;
import ai.huma.camel.support.TestPorts;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.MessageReference;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.utils.collections.LinkedListIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Broker mode: two bundle instances (JVMs of their own) on one external Artemis broker, started in
 * the test as the "external" one. Webhooks spread over both edges are each worked once, by
 * whichever instance takes them; Huma's repeat of a delivery reaching the other instance is dropped
 * by the broker; with the broker down the edge answers 503 and readiness says not ready.
 */
@Execution(ExecutionMode.CONCURRENT)
class TwoInstancesOnABrokerTest {

    // each test its own fake API and broker (one test stops its broker): the tests run side by side
    private final HumaSimulator huma = HumaSimulator.start();
    private final int brokerPort = TestPorts.free();
    private EmbeddedActiveMQ broker;
    private Path brokerHome;

    @BeforeEach
    void startBroker() throws Exception {
        brokerHome = Files.createTempDirectory(Files.createDirectories(HumaRoutesTestSupport.TEST_WORK), "broker-");
        broker = newBroker();
        broker.start();
    }

    @AfterEach
    void stopAll() throws Exception {
        if (broker != null) {
            broker.stop();
        }
        huma.close();
    }

    @Test
    void fiveHundredEventsOverTwoEdgesAreEachWorkedOnceAndRepeatsAcrossInstancesDropped() throws Exception {
        int events = 500;
        for (int i = 0; i < events; i++) {
            huma.question("two" + i, 2);
        }
        huma.question("repeated", 2);
        try (BundleProcess first = new BundleProcess("TwoInstancesOnABrokerTest", broker("one")).launch();
                BundleProcess second = new BundleProcess("TwoInstancesOnABrokerTest", broker("two")).launch()) {
            first.awaitReady();
            second.awaitReady();
            ExecutorService senders = Executors.newFixedThreadPool(8);
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < events; i++) {
                BundleProcess edge = i % 2 == 0 ? first : second;
                Webhook webhook = question("two" + i);
                answers.add(senders.submit(() -> edge.deliver(webhook).statusCode()));
            }
            for (Future<Integer> answer : answers) {
                assertThat(answer.get()).isEqualTo(200);
            }
            senders.shutdown();
            // Huma's three attempts of one delivery, to one edge and then the other
            assertThat(first.webhook(question("repeated")).statusCode()).isEqualTo(200);
            assertThat(second.webhook(question("repeated")).statusCode()).isEqualTo(200);
            assertThat(first.webhook(question("repeated")).statusCode()).isEqualTo(200);

            await().atMost(Duration.ofSeconds(120))
                    .until(() -> first.files("output").size() + second.files("output").size() == events + 1);
            List<String> all = new ArrayList<>(first.files("output"));
            all.addAll(second.files("output"));
            assertThat(all).doesNotHaveDuplicates().hasSize(events + 1);
            assertThat(first.files("output")).as("both instances took work").isNotEmpty();
            assertThat(second.files("output")).as("both instances took work").isNotEmpty();
            Map<String, Integer> calls = new HashMap<>();
            huma.apiRequests().forEach(r -> calls.merge(r.path(), 1, Integer::sum));
            assertThat(calls).hasSize(events + 1);
            assertThat(calls.values()).as("every event fetched once, the repeats not at all").containsOnly(1);
            assertThat(first.files("data/dead-letter")).isEmpty();
            assertThat(second.files("data/dead-letter")).isEmpty();
        }
    }

    /**
     * A worker takes from the broker only the event it works, and at most one more: the backlog does
     * not wait in its consumer's buffer.
     * Artemis counts a delivery for every message it has sent to a consumer whose connection then fails
     * (a kill -9), so a consumer that had taken the backlog into its buffer (the client's default
     * 1 MiB window) added a delivery to every waiting event at each crash, and a broker set up as
     * {@code artemis create} sets one up (10 attempts, then DLQ) moved them to its DLQ after 10 kills:
     * events answered 200 and then never worked, with no dead letter (the soak saw events acknowledged
     * at their 6th delivery after 114 kills in 30 minutes). Events held by one busy instance also
     * waited for it while another instance was idle.
     */
    @Test
    void aKilledInstanceAddsADeliveryOnlyToTheEventItWasWorking() throws Exception {
        int events = 20;
        for (int i = 0; i < events; i++) {
            huma.question("held" + i, 2);
        }
        // the instance's one worker sits on its first event: Huma answers each call for these in 15 s
        huma.slow(".*held.*", Duration.ofSeconds(15), Integer.MAX_VALUE);
        Map<String, String> environment = new HashMap<>(broker("held"));
        environment.put("HUMA_WORKERS", "1");
        org.apache.activemq.artemis.core.server.Queue queue;
        try (BundleProcess bundle = new BundleProcess("TwoInstancesOnABrokerTest", environment).start()) {
            for (int i = 0; i < events; i++) {
                assertThat(bundle.webhook(question("held" + i)).statusCode()).isEqualTo(200);
            }
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> huma.apiRequests().stream().anyMatch(r -> r.path().contains("held")));
            queue = broker.getActiveMQServer().locateQueue(SimpleString.of("huma.question-computed"));
            // for a second, while the worker sits on its event, the backlog stays with the broker: at
            // most one more event is out of the queue (the credit of a receive that timed out as the
            // first events arrived, which Artemis answers with one event); with a consumer window the
            // whole backlog was (the client's default 1 MiB)
            org.apache.activemq.artemis.core.server.Queue held = queue;
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                    .until(() -> held.getMessageCount() == events && held.getDeliveringCount() >= 1 && held.getDeliveringCount() <= 2);
            bundle.kill();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> queue.getConsumerCount() == 0 && queue.getDeliveringCount() == 0);
        int delivered = 0;
        try (LinkedListIterator<MessageReference> refs = queue.browserIterator()) {
            while (refs.hasNext()) {
                delivered += refs.next().getDeliveryCount() > 0 ? 1 : 0;
            }
        }
        assertThat(queue.getMessageCount()).isEqualTo(events);
        assertThat(delivered).as("events the kill counted as delivered").isBetween(1, 2);
    }

    @Test
    void withTheBrokerDownTheEdgeAnswers503AndIsNotReady() throws Exception {
        huma.question("after", 2);
        try (BundleProcess bundle = new BundleProcess("TwoInstancesOnABrokerTest", broker("down")).start()) {
            assertThat(bundle.management("/observe/health/ready").statusCode()).isEqualTo(200);
            broker.stop();
            try {
                HttpResponse<String> refused = bundle.webhook(question("lost?"));
                assertThat(refused.statusCode()).as("never a 200 for an event it could not store").isEqualTo(503);
                assertThat(refused.headers().firstValue("Retry-After")).isPresent();
                await().atMost(Duration.ofSeconds(15)).until(() -> bundle.management("/observe/health/ready").statusCode() == 503);
            } finally {
                broker = newBroker();
                broker.start();
            }
            // once the bundle has found the broker again (a reconnection, not Huma's retry schedule)
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> bundle.webhook(question("after")).statusCode() == 200);
            await().atMost(Duration.ofSeconds(30)).until(() -> bundle.files("output").contains("q_after_result.json"));
            await().atMost(Duration.ofSeconds(15)).until(() -> bundle.management("/observe/health/ready").statusCode() == 200);
        }
    }

    private EmbeddedActiveMQ newBroker() throws Exception {
        ConfigurationImpl configuration = new ConfigurationImpl();
        configuration.setPersistenceEnabled(true);
        configuration.setSecurityEnabled(false);
        configuration.setJMXManagementEnabled(false);
        configuration.setJournalDirectory(brokerHome.resolve("journal").toString());
        configuration.setBindingsDirectory(brokerHome.resolve("bindings").toString());
        configuration.setPagingDirectory(brokerHome.resolve("paging").toString());
        configuration.setLargeMessagesDirectory(brokerHome.resolve("large").toString());
        configuration.addAcceptorConfiguration("tcp", "tcp://127.0.0.1:" + brokerPort);
        return new EmbeddedActiveMQ().setConfiguration(configuration);
    }

    private Map<String, String> broker(String instance) {
        return Map.of("API_URL", huma.baseUrl(), "API_SECRET_KEY", huma.apiKey(), "API_CALLBACK_AUTH", "broker-token",
                "HUMA_QUEUE_MODE", "broker", "HUMA_BROKER_URL", "tcp://127.0.0.1:" + brokerPort,
                "HUMA_RETRY_INITIAL_DELAY", "100");
    }

    /** A computed question whose result is {@code q_<ticket>_result.json}. */
    private static Webhook question(String ticket) {
        return SimulatedWebhooks.question(ticket, "q " + ticket);
    }
}

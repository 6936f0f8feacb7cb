package ai.huma.camel.queue;

import ai.huma.camel.queue.QueuesHealthCheck;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import ai.huma.camel.support.BundleProcess;
import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;
import ai.huma.camel.support.HumaRoutesTestSupport;
import ai.huma.camel.support.TestKafka;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import kafka.testkit.KafkaClusterTestKit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Kafka as the queue ({@code huma.queue.mode=kafka}, docs/queues.md "Kafka as the queue (a recipe)"): a real
 * single-node KRaft Kafka in the test JVM (Kafka's own {@link KafkaClusterTestKit}, {@link TestKafka}), the real routes,
 * and the queue options exactly as application.properties ships them; each test moves the three
 * topics under a prefix of its own and names its own consumer groups, so that tests do not see each
 * other's records. Each event is worked once, its offset committed only once it is done (a result
 * or a dead letter), Huma's repeats dropped (also when they reach another instance of the group), a
 * dead letter and its replay cross Kafka with their headers. A stop, a crash and Kafka gone, with the
 * bundle in a JVM of its own, are {@link KafkaRestartsTest}.
 */
// one bundle per test: each test runs on topics and consumer groups of its own
@TestInstance(TestInstance.Lifecycle.PER_METHOD)
class KafkaQueuesTest extends HumaRoutesTestSupport {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaQueuesTest.class);
    private static final KafkaClusterTestKit KAFKA = TestKafka.start();
    private static final AtomicInteger RUNS = new AtomicInteger();
    private static final String[] QUEUES = TestKafka.QUEUES;

    private final ObjectMapper json = new ObjectMapper();
    /** This test's topics are {@code <prefix>.huma.<queue>}, its consumer groups {@code <group>.<queue>}. */
    private String prefix;
    private String group;

    @AfterAll
    static void stopKafka() throws Exception {
        KAFKA.close();
    }

    @Override
    protected Properties extraProperties() {
        prefix = "run" + RUNS.incrementAndGet();
        group = "huma-camel-" + prefix;
        TestKafka.createTopics(KAFKA, prefix);
        Properties properties = properties(
                "huma.queue.mode", "kafka",
                "huma.kafka.brokers", KAFKA.bootstrapServers(),
                "huma.kafka.group-id", group,
                "huma.retry.initial-delay", "50",
                "huma.retry.max-redeliveries", "1");
        TestKafka.queueUris(prefix).forEach(properties::setProperty);
        return properties;
    }

    @Test
    void eachKindOfWebhookIsWorkedOnceAndItsOffsetCommittedOnlyOnceDone() throws Exception {
        HUMA.question("65a1b2c3d4e5f60718293a4b", 250);
        HUMA.subscription("6601a2b3c4d5e6f708192a3b", 120);
        HUMA.visual("6702b3c4d5e6f708192a3b4c", "pdf", "%PDF-1.4 fake visual\n".getBytes(StandardCharsets.US_ASCII));
        HUMA.slow("/v1/questions/.*", Duration.ofMillis(1500), 1);

        assertThat(webhook(QUESTION).statusCode()).isEqualTo(200);
        // the worker is in the middle of the event: its record is not committed yet
        await().atMost(Duration.ofSeconds(20)).until(() -> !HUMA.apiRequests().isEmpty());
        assertThat(endOffset(topic("question-computed"))).isEqualTo(1);
        assertThat(committed(group + ".question-computed")).as("committed while the event is being worked").isZero();
        awaitOutput("What_were_sales_in_2023_result.json");
        await().atMost(Duration.ofSeconds(10)).until(() -> committed(group + ".question-computed") == 1);

        assertThat(webhook(SUBSCRIPTION).statusCode()).isEqualTo(200);
        assertThat(webhook(HISTORY).statusCode()).isEqualTo(200);
        // Huma's repeats of all three
        assertThat(webhook(QUESTION).statusCode()).isEqualTo(200);
        assertThat(webhook(SUBSCRIPTION).statusCode()).isEqualTo(200);
        assertThat(webhook(HISTORY).statusCode()).isEqualTo(200);

        awaitAllCommitted(group, 2);
        assertThat(outputFiles()).containsExactly("6601a2b3c4d5e6f708192a3b_result.json", "6702b3c4d5e6f708192a3b4c.pdf",
                "6702b3c4d5e6f708192a3b4c_result.json", "What_were_sales_in_2023_result.json");
        JsonNode answer = json.readTree(outputDir.resolve("What_were_sales_in_2023_result.json").toFile());
        assertThat(answer.at("/answer/data").size()).isEqualTo(250);
        JsonNode subscription = json.readTree(outputDir.resolve("6601a2b3c4d5e6f708192a3b_result.json").toFile());
        assertThat(subscription.at("/subscriptions/data").size()).isEqualTo(120);
        assertThat(HUMA.apiRequests()).extracting(HumaSimulator.Request::path).as("each event fetched once, repeats not at all")
                .containsExactly(
                        "/v1/questions/65a1b2c3d4e5f60718293a4b/result", "/v1/questions/65a1b2c3d4e5f60718293a4b/result",
                        "/v1/questions/65a1b2c3d4e5f60718293a4b/result",
                        "/v1/subscription/6601a2b3c4d5e6f708192a3b/data", "/v1/subscription/6601a2b3c4d5e6f708192a3b/data",
                        "/v1/histories/6702b3c4d5e6f708192a3b4c/visual/result");
        assertThat(deadLetterFiles()).isEmpty();

        // what travels on Kafka: the payload as text, the event and its arrival time, and as the
        // key the delivery's digest, so that a repeat lands on the partition of its first delivery
        List<ConsumerRecord<String, String>> records = records(topic("question-computed"), 2);
        assertThat(records).extracting(ConsumerRecord::value).containsOnly(QUESTION.body());
        assertThat(records).extracting(ConsumerRecord::key).doesNotContainNull().hasSize(2)
                .allMatch(key -> key.matches("[0-9a-f]{64}")).containsOnly(records.get(0).key());
        assertThat(records).extracting(ConsumerRecord::partition).containsOnly(records.get(0).partition());
        for (ConsumerRecord<String, String> record : records) {
            Map<String, String> headers = headers(record);
            assertThat(headers.keySet()).as("no header of the caller's (Authorization) crosses").containsExactlyInAnyOrder(
                    "HumaEvent", "HumaReceivedAt");
            assertThat(headers.get("HumaEvent")).isEqualTo("Questions/Computed");
            assertThat(headers.get("HumaReceivedAt")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        }

        // ready, with the depth of a Kafka queue reported as unknown rather than guessed
        HttpResponse<String> ready = send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + managementPort + "/observe/health/ready?exposureLevel=full")).GET().build());
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        assertThat(json.readTree(ready.body()).get("checks").findValuesAsText("name")).contains("huma-queues",
                "consumer:huma-question-computed-worker", "consumer:huma-subscription-updated-worker", "consumer:huma-history-visualized-worker");
        org.apache.camel.health.HealthCheck.Result queues = context.getRegistry()
                .lookupByNameAndType("humaQueuesHealthCheck", QueuesHealthCheck.class).call();
        assertThat(queues.getState()).isEqualTo(org.apache.camel.health.HealthCheck.State.UP);
        assertThat(queues.getDetails()).containsEntry("queue.question.depth", "unknown")
                .containsEntry("queue.subscription.depth", "unknown").containsEntry("queue.history.depth", "unknown");
    }

    @Test
    void aDeadLetterAndItsReplaysCrossKafkaWithTheirHeaders() throws Exception {
        HUMA.question("t-dead", 5);
        HUMA.fail("/v1/questions/.*", null, 500, 1000);
        Webhook dead = SimulatedWebhooks.question("t-dead", "dead");

        assertThat(webhook(dead).statusCode()).isEqualTo(200);
        Path first = awaitDeadLetters(1).get(0);
        JsonNode record = json.readTree(first.toFile());
        assertThat(record.get("event").asText()).isEqualTo("Questions/Computed");
        assertThat(record.get("payload")).isEqualTo(json.readTree(dead.body()));
        assertThat(record.get("replays").asInt()).isZero();
        assertThat(record.get("received_at").asText()).endsWith("Z");
        await().atMost(Duration.ofSeconds(10)).until(() -> committed(group + ".question-computed") == 1);

        // replayed while Huma still fails: a new dead letter, one replay more, the same arrival time
        Path replayDir = Files.createDirectories(dataDir.resolve("replay"));
        Files.move(first, replayDir.resolve(first.getFileName()));
        Path second = awaitDeadLetters(1).get(0);
        JsonNode again = json.readTree(second.toFile());
        assertThat(again.get("replays").asInt()).as("the replay count crossed Kafka as a number").isEqualTo(1);
        assertThat(again.get("received_at").asText()).isEqualTo(record.get("received_at").asText());
        assertThat(again.get("event").asText()).isEqualTo("Questions/Computed");
        assertThat(again.get("payload")).isEqualTo(json.readTree(dead.body()));

        HUMA.recover();
        Files.move(second, replayDir.resolve(second.getFileName()));
        awaitOutput("dead_result.json");
        awaitAllCommitted(group, Map.of("question-computed", 3L, "subscription-updated", 0L, "history-visualized", 0L));
        assertThat(deadLetterFiles()).isEmpty();
    }

    @Test
    void twoInstancesInOneGroupShareThePartitionsAndWorkEachEventOnce() throws Exception {
        int events = 200;
        for (int i = 0; i < events; i++) {
            HUMA.question("two" + i, 2);
        }
        try (BundleProcess other = new BundleProcess("KafkaQueuesTest", TestKafka.bundleEnvironment(HUMA, KAFKA, prefix, group)).start()) {
            // both instances hold partitions of every queue before the webhooks come
            for (String queue : QUEUES) {
                await().atMost(Duration.ofSeconds(60)).until(() -> membersWithPartitions(group + "." + queue) == 2);
            }
            ExecutorService senders = Executors.newFixedThreadPool(8);
            List<Future<long[]>> answers = new ArrayList<>();
            for (int i = 0; i < events; i++) {
                Webhook webhook = question("two" + i);
                boolean here = i % 2 == 0;
                answers.add(senders.submit(() -> {
                    long start = System.nanoTime();
                    int status = here ? webhook(webhook).statusCode() : other.webhook(webhook).statusCode();
                    return new long[] {status, System.nanoTime() - start};
                }));
            }
            List<Long> latencies = new ArrayList<>();
            for (Future<long[]> answer : answers) {
                long[] result = answer.get();
                assertThat(result[0]).isEqualTo(200);
                latencies.add(result[1]);
            }
            // Huma's repeat of every tenth delivery, to the other instance's edge
            for (int i = 0; i < events; i += 10) {
                Webhook webhook = question("two" + i);
                int status = i % 2 == 0 ? other.webhook(webhook).statusCode() : webhook(webhook).statusCode();
                assertThat(status).isEqualTo(200);
            }
            senders.shutdown();
            logLatencies("two instances, 8 senders", latencies);
            // the limit is the promise: each answer before Huma gives up on the attempt
            assertThat(latencies.stream().mapToLong(Long::longValue).max().orElseThrow())
                    .as("every webhook answered within Huma's deadline").isLessThan(HUMA_DEADLINE.toNanos());

            await().atMost(Duration.ofSeconds(90)).until(() -> outputFiles().size() + other.files("output").size() == events);
            awaitAllCommitted(group, Map.of("question-computed", (long) events + events / 10, "subscription-updated", 0L,
                    "history-visualized", 0L));
            List<String> all = new ArrayList<>(outputFiles());
            all.addAll(other.files("output"));
            assertThat(all).doesNotHaveDuplicates().hasSize(events);
            assertThat(outputFiles()).as("this instance took work").isNotEmpty();
            assertThat(other.files("output")).as("the other instance took work").isNotEmpty();
            Map<String, Integer> calls = new HashMap<>();
            HUMA.apiRequests().forEach(r -> calls.merge(r.path(), 1, Integer::sum));
            assertThat(calls).hasSize(events);
            assertThat(calls.values()).as("every event fetched once, the repeats to the other edge not at all").containsOnly(1);
            assertThat(deadLetterFiles()).isEmpty();
            assertThat(other.files("data/dead-letter")).isEmpty();
        }
    }

    // ---------------------------------------------------------------------------------------------

    private static final Webhook QUESTION = SimulatedWebhooks.question("65a1b2c3d4e5f60718293a4b", SimulatedWebhooks.QUESTION);
    private static final Webhook SUBSCRIPTION = SimulatedWebhooks.subscription("6601a2b3c4d5e6f708192a3b");
    private static final Webhook HISTORY = SimulatedWebhooks.history("6702b3c4d5e6f708192a3b4c");

    /** A computed question whose result is {@code q_<ticket>_result.json}. */
    private static Webhook question(String ticket) {
        return SimulatedWebhooks.question(ticket, "q " + ticket);
    }

    private List<Path> awaitDeadLetters(int count) {
        await().atMost(Duration.ofSeconds(20)).until(() -> deadLetterFiles().size() == count);
        return deadLetterFiles();
    }

    private String topic(String queue) {
        return prefix + ".huma." + queue;
    }

    private static void logLatencies(String what, List<Long> nanos) {
        List<Long> sorted = nanos.stream().sorted().toList();
        LOG.info("Webhook answers with Kafka queues ({}, {} webhooks): p50 {} ms, p95 {} ms, p99 {} ms, max {} ms", what,
                sorted.size(), millis(sorted, 0.50), millis(sorted, 0.95), millis(sorted, 0.99), millis(sorted, 1.0));
    }

    private static String millis(List<Long> sorted, double quantile) {
        int index = (int) Math.min(sorted.size() - 1, Math.ceil(quantile * sorted.size()) - 1);
        return String.format(java.util.Locale.ROOT, "%.1f", sorted.get(Math.max(0, index)) / 1e6);
    }

    // --- Kafka ---------------------------------------------------------------------------------

    /** The records at the end of the topic: what the producer stored, across its partitions. */
    private long endOffset(String topic) throws Exception {
        try (Admin admin = admin(KAFKA)) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int partition = 0; partition < 2; partition++) {
                latest.put(new TopicPartition(topic, partition), OffsetSpec.latest());
            }
            return admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).values().stream()
                    .mapToLong(info -> info.offset()).sum();
        }
    }

    /** Every record of every queue committed by its group (the end offset of each topic of the prefix). */
    private void awaitAllCommitted(String groupName, long perQueue) {
        Map<String, Long> expected = new HashMap<>();
        for (String queue : QUEUES) {
            expected.put(queue, perQueue);
        }
        awaitAllCommitted(groupName, expected);
    }

    private void awaitAllCommitted(String groupName, Map<String, Long> recordsPerQueue) {
        TestKafka.awaitAllCommitted(KAFKA, groupName, recordsPerQueue);
    }

    private static long committed(String consumerGroup) throws Exception {
        return TestKafka.committed(KAFKA, consumerGroup);
    }

    private static Admin admin(KafkaClusterTestKit cluster) {
        return TestKafka.admin(cluster);
    }

    private static int membersWithPartitions(String consumerGroup) throws Exception {
        try (Admin admin = admin(KAFKA)) {
            ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(consumerGroup)).all()
                    .get(10, TimeUnit.SECONDS).get(consumerGroup);
            return (int) description.members().stream()
                    .filter(member -> !member.assignment().topicPartitions().isEmpty()).count();
        }
    }

    /** The first {@code count} records of a topic, read by a consumer of no group. */
    private static List<ConsumerRecord<String, String>> records(String topic, int count) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties, new StringDeserializer(), new StringDeserializer())) {
            Collection<TopicPartition> partitions = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= count;
            });
            return records;
        }
    }

    private static Map<String, String> headers(ConsumerRecord<String, String> record) {
        Map<String, String> headers = new HashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
        }
        return headers;
    }
}

package ai.huma.camel.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import ai.huma.camel.simulator.HumaSimulator;
import kafka.testkit.KafkaClusterTestKit;
import kafka.testkit.TestKitNodes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real single-node KRaft Kafka in the test JVM (Kafka's own {@link KafkaClusterTestKit}) and what
 * the Kafka tests ask of it: topics under a prefix of a test's own, the shipped queue URIs moved onto
 * them, the offsets a consumer group committed, and the environment of a bundle in a JVM of its own.
 */
public final class TestKafka {

    public static final String[] QUEUES = {"question-computed", "subscription-updated", "history-visualized"};

    private TestKafka() {
    }

    public static KafkaClusterTestKit start() {
        try {
            KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                    .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "3")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    // a new consumer group is formed at once, not after 3 s
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return cluster;
        } catch (Exception e) {
            throw new IllegalStateException("could not start the test Kafka", e);
        }
    }

    /** The three topics of a prefix, with two partitions each, so that two instances can share them. */
    public static void createTopics(KafkaClusterTestKit cluster, String prefix) {
        try (Admin admin = admin(cluster)) {
            List<NewTopic> topics = new ArrayList<>();
            for (String queue : QUEUES) {
                topics.add(new NewTopic(prefix + ".huma." + queue, 2, (short) 1));
            }
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not create the topics of " + prefix, e);
        }
    }

    public static Admin admin(KafkaClusterTestKit cluster) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()));
    }

    /** The offsets a consumer group has committed, summed over the partitions. */
    public static long committed(KafkaClusterTestKit cluster, String consumerGroup) throws Exception {
        try (Admin admin = admin(cluster)) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(consumerGroup)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            return offsets.values().stream().filter(Objects::nonNull).mapToLong(OffsetAndMetadata::offset).sum();
        }
    }

    /** Waits until the group of each queue ({@code <groupName>.<queue>}) has committed that many records. */
    public static void awaitAllCommitted(KafkaClusterTestKit cluster, String groupName, Map<String, Long> recordsPerQueue) {
        recordsPerQueue.forEach((queue, records) -> await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> committed(cluster, groupName + "." + queue) == records));
    }

    /** The shipped URI of each Kafka queue, its topic moved under the prefix. */
    public static Map<String, String> queueUris(String prefix) {
        Map<String, String> uris = new HashMap<>();
        for (String key : List.of("question", "subscription", "history")) {
            String shipped = BundleProcess.shipped("huma.queue.kafka." + key);
            assertThat(shipped).startsWith("kafka:huma.");
            uris.put("huma.queue.kafka." + key, shipped.replaceFirst("^kafka:", "kafka:" + prefix + "."));
        }
        return uris;
    }

    /** A bundle in a JVM of its own, as a user starts it, with the queues on Kafka. */
    public static Map<String, String> bundleEnvironment(HumaSimulator huma, KafkaClusterTestKit cluster, String prefix, String group) {
        Map<String, String> environment = new HashMap<>(Map.of(
                "API_URL", huma.baseUrl(), "API_SECRET_KEY", huma.apiKey(), "API_CALLBACK_AUTH", "kafka-token",
                "HUMA_QUEUE_MODE", "kafka", "HUMA_KAFKA_BROKERS", cluster.bootstrapServers(), "HUMA_KAFKA_GROUP_ID", group,
                "HUMA_RETRY_INITIAL_DELAY", "50"));
        queueUris(prefix).forEach((key, uri) -> environment.put(key.toUpperCase(Locale.ROOT).replace('.', '_'), uri));
        return environment;
    }
}

package ai.huma.camel.queue;

import ai.huma.camel.settings.SafeText;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.ExtendedStartupListener;

/**
 * The JMS connection of the queues, by {@code huma.queue.mode}:
 * <ul>
 * <li>{@code memory}: not used (the queues are SEDA queues in memory);</li>
 * <li>{@code durable}: an ActiveMQ Artemis broker embedded in this JVM, with its persistent journal
 * under {@code huma.data.dir}/broker, reached in-VM: a webhook is in the journal (the broker has
 * acknowledged the send) before the edge answers 200, and an event leaves the journal only once its
 * worker has finished it (client acknowledgement), so a crash loses nothing;</li>
 * <li>{@code broker}: an external Artemis ({@code huma.broker.url}, user and password from the
 * environment), shared by any number of bundle instances as competing consumers;</li>
 * <li>{@code kafka}: not used either (the queues are Kafka topics through camel-kafka, the cluster in
 * {@code huma.kafka.brokers}; docs/queues.md "Kafka as the queue (a recipe)"); checked here only so that a missing
 * cluster stops the start.</li>
 * </ul>
 * The JMS modes use the bundle's own JMS component, {@code huma-jms} ({@link JmsQueues}), never the
 * host's {@code jms}. What a mode needs beyond the library (camel-jms and the Artemis client,
 * artemis-server for the embedded broker, camel-kafka) is loaded only in that mode; when it is not on
 * the class path, the start stops with a message that names the dependency to add
 * ({@link #missingLibraries}). The embedded broker starts when the CamelContext starts, before the
 * routes, and stops after them, so that a graceful stop leaves what is still queued in the journal,
 * to be worked after the restart.
 */
public class QueueBroker implements CamelContextAware {


    private CamelContext camelContext;
    private String mode = "journal";
    private String dataDir = "data";
    private String url;
    private String user;
    private String password;
    private String kafkaBrokers;
    private int duplicateIdCacheSize = 100_000;
    private EmbeddedBroker embedded;
    private JmsQueues jms;
    private volatile boolean destroyed;

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** journal, memory, durable, broker or kafka (huma.queue.mode). */
    public void setMode(String mode) {
        String value = mode == null ? "" : mode.strip().toLowerCase(Locale.ROOT);
        if (!List.of("journal", "memory", "durable", "broker", "kafka").contains(value)) {
            throw new IllegalArgumentException("huma.queue.mode must be journal, memory, durable, broker or kafka, not " + SafeText.quoted(mode));
        }
        this.mode = value;
    }

    public String getMode() {
        return mode;
    }

    public void setDataDir(String dataDir) {
        this.dataDir = dataDir;
    }

    /** The external broker's URL, e.g. tcp://broker.example.com:61616 (broker mode). */
    public void setUrl(String url) {
        this.url = url == null || url.isBlank() ? null : url.strip();
    }

    public void setUser(String user) {
        this.user = user == null || user.isBlank() ? null : user;
    }

    public void setPassword(String password) {
        this.password = password == null || password.isEmpty() ? null : password;
    }

    /** The Kafka cluster of kafka mode (huma.kafka.brokers), host:port, comma-separated. */
    public void setKafkaBrokers(String kafkaBrokers) {
        this.kafkaBrokers = kafkaBrokers == null || kafkaBrokers.isBlank() ? null : kafkaBrokers.strip();
    }

    /** Webhook deliveries the broker remembers per queue to drop Huma's repeats (duplicate detection). */
    public void setDuplicateIdCacheSize(int size) {
        this.duplicateIdCacheSize = Math.max(1, size);
    }

    /** True when the queues are JMS queues (durable or broker mode). */
    public boolean isJms() {
        return mode.equals("durable") || mode.equals("broker");
    }

    /** True when the queues are Kafka topics (kafka mode). */
    public boolean isKafka() {
        return mode.equals("kafka");
    }

    /**
     * The dependencies this mode needs that are not on the class path, as Maven coordinates; empty
     * when it has them all (journal and memory mode need none).
     */
    public List<String> missingLibraries() {
        List<String> missing = new ArrayList<>();
        if (isJms()) {
            need(missing, "org.apache.camel.component.jms.JmsComponent", "org.apache.camel:camel-jms");
            need(missing, "org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory",
                    "org.apache.activemq:artemis-jakarta-client");
        }
        if (mode.equals("durable")) {
            need(missing, "org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ",
                    "org.apache.activemq:artemis-server");
        }
        if (isKafka()) {
            need(missing, "org.apache.camel.component.kafka.KafkaComponent", "org.apache.camel:camel-kafka");
        }
        return missing;
    }

    /** The message for a mode whose dependencies are missing, or null. */
    public String missingLibrariesProblem() {
        List<String> missing = missingLibraries();
        return missing.isEmpty() ? null
                : "huma.queue.mode=" + mode + " needs " + String.join(", ", missing)
                        + " on the class path (add it to your dependencies; the standalone jar has it)";
    }

    private static void need(List<String> missing, String className, String coordinates) {
        try {
            Class.forName(className, false, QueueBroker.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            missing.add(coordinates);
        }
    }

    /**
     * In the JMS modes, makes and binds the {@code huma-jms} component and its connections; the
     * embedded broker starts with the CamelContext. In kafka mode, checks that a cluster is named.
     */
    public void init() throws Exception {
        if (mode.equals("broker") && url == null) {
            throw new IllegalArgumentException("huma.queue.mode=broker needs huma.broker.url (HUMA_BROKER_URL), "
                    + "e.g. tcp://broker.example.com:61616");
        }
        if (mode.equals("kafka") && kafkaBrokers == null) {
            throw new IllegalArgumentException("huma.queue.mode=kafka needs huma.kafka.brokers (HUMA_KAFKA_BROKERS), "
                    + "e.g. kafka-1.example.com:9092,kafka-2.example.com:9092");
        }
        String problem = missingLibrariesProblem();
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        if (!isJms()) {
            return;
        }
        jms = new JmsQueues(camelContext, mode.equals("broker") ? url : EmbeddedBroker.IN_VM, user, password);
        if (mode.equals("durable")) {
            camelContext.addStartupListener(new ExtendedStartupListener() {
                @Override
                public void onCamelContextStarting(CamelContext context, boolean alreadyStarted) throws Exception {
                    if (!destroyed) {
                        startEmbedded();
                    }
                }

                @Override
                public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
                    // the broker was started before the routes
                }

                @Override
                public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
                    // nothing more
                }
            });
        }
    }

    /** True when a connection to the broker can be made now (readiness). */
    public boolean isReachable() {
        return !isJms() || jms != null && jms.isReachable();
    }

    /** Events waiting in, or being worked from, the embedded broker's queues (-1 without one). */
    public long pendingEvents() {
        EmbeddedBroker broker = embedded;
        return broker == null ? -1 : broker.pendingEvents();
    }

    private synchronized void startEmbedded() throws Exception {
        if (embedded == null) {
            embedded = EmbeddedBroker.start(dataDir, duplicateIdCacheSize);
        }
    }

    /** Closes the connections, then the embedded broker: what is queued stays in the journal. */
    public void shutdown() throws Exception {
        destroyed = true;
        if (jms != null) {
            jms.close();
        }
        EmbeddedBroker broker;
        synchronized (this) {
            broker = embedded;
            embedded = null;
        }
        if (broker != null) {
            broker.stop();
        }
    }
}

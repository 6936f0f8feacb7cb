package ai.huma.camel;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import jakarta.jms.Connection;
import jakarta.jms.JMSException;

import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.ExtendedStartupListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jms.connection.CachingConnectionFactory;

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
 * {@code huma.kafka.brokers}; README "Kafka as the queue"); checked here only so that a missing
 * cluster stops the start.</li>
 * </ul>
 * Two connection factories are bound for camel-jms: the edge sends through one that caches sessions
 * and producers (Spring's {@link CachingConnectionFactory}), so that a webhook costs one send, not a
 * new connection; the workers' listeners use the plain one and recover their own connections when
 * the broker comes back. The embedded broker starts when the
 * CamelContext starts, before the routes, and stops after them, so that a graceful stop leaves what
 * is still queued in the journal, to be worked after the restart.
 */
public class QueueBroker implements CamelContextAware {

    /** The connections the workers' listeners use: plain, each listener recovers its own. */
    public static final String LISTENER_CONNECTIONS = "queueListenerConnections";
    /** The connections the edge sends with: cached sessions and producers. */
    public static final String SENDER_CONNECTIONS = "queueSenderConnections";

    private static final Logger LOG = LoggerFactory.getLogger(QueueBroker.class);
    private static final String IN_VM = "vm://0";

    private CamelContext camelContext;
    private String mode = "memory";
    private String dataDir = "data";
    private String url;
    private String user;
    private String password;
    private String kafkaBrokers;
    private int duplicateIdCacheSize = 100_000;
    private EmbeddedActiveMQ embedded;
    private CachingConnectionFactory sending;
    private volatile boolean destroyed;

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** memory, durable, broker or kafka (huma.queue.mode). */
    public void setMode(String mode) {
        String value = mode == null ? "" : mode.strip().toLowerCase(Locale.ROOT);
        if (!value.equals("memory") && !value.equals("durable") && !value.equals("broker") && !value.equals("kafka")) {
            throw new IllegalArgumentException("huma.queue.mode must be memory, durable, broker or kafka, not " + SafeText.quoted(mode));
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
     * Makes and binds the connection factories (in memory mode too, unused then, so that the jms
     * component's settings always resolve); the embedded broker starts with the CamelContext.
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
        ActiveMQConnectionFactory target = new ActiveMQConnectionFactory(mode.equals("broker") ? url : IN_VM, user, password);
        // a send returns once the broker has stored the message: the 200 comes after that
        target.setBlockOnDurableSend(true);
        // a broker that is down fails the send at once (the edge answers 503, Huma tries again)
        // rather than holding the webhook while the client reconnects; the connection is made
        // anew on the next use, and the workers' listeners keep trying every few seconds
        target.setReconnectAttempts(0);
        target.setInitialConnectAttempts(1);
        target.setCallTimeout(10_000);
        // a worker's acknowledgement is confirmed by the broker before the next event
        target.setBlockOnAcknowledge(true);
        sending = new CachingConnectionFactory(target);
        sending.setSessionCacheSize(32);
        sending.setReconnectOnException(true);
        camelContext.getRegistry().bind(LISTENER_CONNECTIONS, target);
        camelContext.getRegistry().bind(SENDER_CONNECTIONS, sending);
        if (!isJms()) {
            return;
        }
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
        if (!isJms()) {
            return true;
        }
        try (Connection connection = sending.createConnection()) {
            return connection != null;
        } catch (JMSException | RuntimeException e) {
            return false;
        }
    }

    /** Events waiting in, or being worked from, the embedded broker's queues (-1 without one). */
    public long pendingEvents() {
        EmbeddedActiveMQ broker = embedded;
        if (broker == null) {
            return -1;
        }
        return broker.getActiveMQServer().getPostOffice().getAllBindings()
                .filter(org.apache.activemq.artemis.core.postoffice.QueueBinding.class::isInstance)
                .map(binding -> ((org.apache.activemq.artemis.core.postoffice.QueueBinding) binding).getQueue())
                .mapToLong(queue -> queue.getMessageCount())
                .sum();
    }

    private synchronized void startEmbedded() throws Exception {
        if (embedded != null) {
            return;
        }
        Path home = Path.of(dataDir, "broker").toAbsolutePath();
        ConfigurationImpl configuration = new ConfigurationImpl();
        configuration.setPersistenceEnabled(true);
        configuration.setSecurityEnabled(false);
        configuration.setJMXManagementEnabled(false);
        configuration.setJournalType(JournalType.NIO);
        configuration.setJournalDirectory(home.resolve("journal").toString());
        configuration.setBindingsDirectory(home.resolve("bindings").toString());
        configuration.setPagingDirectory(home.resolve("paging").toString());
        configuration.setLargeMessagesDirectory(home.resolve("large-messages").toString());
        configuration.setIDCacheSize(duplicateIdCacheSize);
        configuration.setPersistIDCache(true);
        configuration.setGracefulShutdownEnabled(false);
        configuration.addAcceptorConfiguration("in-vm", IN_VM);
        configuration.addAddressSetting("#", new AddressSettings()
                .setAutoCreateQueues(true).setAutoCreateAddresses(true)
                // the bundle's own error handling decides; the broker only redelivers after a crash
                .setMaxDeliveryAttempts(-1)
                .setRedeliveryDelay(1000));
        long start = System.nanoTime();
        embedded = new EmbeddedActiveMQ().setConfiguration(configuration).start();
        LOG.info("Durable queues: embedded broker started in {} ms, journal in {}",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), home);
    }

    /** Closes the connections, then the embedded broker: what is queued stays in the journal. */
    public void shutdown() throws Exception {
        destroyed = true;
        // the broker going away is no reason to reconnect (nor to log it)
        if (sending != null) {
            sending.setReconnectOnException(false);
            sending.destroy();
        }
        EmbeddedActiveMQ broker;
        synchronized (this) {
            broker = embedded;
            embedded = null;
        }
        if (broker != null) {
            broker.stop();
        }
    }
}

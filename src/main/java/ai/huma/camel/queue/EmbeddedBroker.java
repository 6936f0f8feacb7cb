package ai.huma.camel.queue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.postoffice.QueueBinding;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ActiveMQ Artemis broker of the durable queue mode, embedded in this JVM, with its persistent
 * journal under {@code huma.data.dir}/broker, reached in-VM ({@value #IN_VM}). Loaded only in that
 * mode (artemis-server is an optional dependency of the library).
 */
final class EmbeddedBroker {

    static final String IN_VM = "vm://0";

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBroker.class);

    private final EmbeddedActiveMQ broker;

    private EmbeddedBroker(EmbeddedActiveMQ broker) {
        this.broker = broker;
    }

    static EmbeddedBroker start(String dataDir, int duplicateIdCacheSize) throws Exception {
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
        EmbeddedActiveMQ broker = new EmbeddedActiveMQ().setConfiguration(configuration).start();
        LOG.info("Durable queues: embedded broker started in {} ms, journal in {}",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), home);
        return new EmbeddedBroker(broker);
    }

    /** Events waiting in, or being worked from, the broker's queues. */
    long pendingEvents() {
        return broker.getActiveMQServer().getPostOffice().getAllBindings()
                .filter(QueueBinding.class::isInstance)
                .map(binding -> ((QueueBinding) binding).getQueue())
                .mapToLong(queue -> queue.getMessageCount())
                .sum();
    }

    void stop() throws Exception {
        broker.stop();
    }
}

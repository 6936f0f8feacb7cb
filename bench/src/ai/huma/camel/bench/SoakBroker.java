package ai.huma.camel.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.activemq.artemis.api.core.ICoreMessage;
import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.CoreAddressConfiguration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.postoffice.QueueBinding;
import org.apache.activemq.artemis.core.security.CheckType;
import org.apache.activemq.artemis.core.security.Role;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.MessageReference;
import org.apache.activemq.artemis.core.server.Queue;
import org.apache.activemq.artemis.core.server.ServerConsumer;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.server.impl.AckReason;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerMessagePlugin;
import org.apache.activemq.artemis.core.settings.impl.AddressFullMessagePolicy;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.apache.activemq.artemis.core.transaction.Transaction;
import org.apache.activemq.artemis.spi.core.security.ActiveMQSecurityManager;
import org.apache.activemq.artemis.utils.collections.LinkedListIterator;

/**
 * The external broker of the soak's broker mode (bench/soak.sh {@code --mode broker} without
 * {@code HUMA_BROKER_URL}): an ActiveMQ Artemis server in a process of its own, from the
 * artemis-server classes the jar carries for durable mode (the same release), on a loopback TCP
 * port, with a persistent journal in the folder given. It is set up as {@code artemis create} sets up
 * a new broker, since that is what a team runs when the README says "an external Artemis":
 * <ul>
 * <li>a persistent journal, synced on every durable send and acknowledgement ({@code journal-datasync});
 * NIO (the Linux AIO library may be missing);</li>
 * <li>every address: auto-created queues and addresses, {@code DLQ} as the dead-letter address,
 * {@code ExpiryQueue} as the expiry address, redelivery delay 0, paging when full, and Artemis's own
 * default of 10 delivery attempts before a message goes to {@code DLQ} (or
 * {@code SOAK_BROKER_MAX_DELIVERY_ATTEMPTS});</li>
 * <li>duplicate detection with Artemis's default {@code id-cache-size} (20 000 per address), persisted;</li>
 * <li>security on: one user, from the environment ({@code SOAK_BROKER_USER}, {@code SOAK_BROKER_PASSWORD},
 * never on a command line), with a role that may send, consume, browse and create or delete queues and
 * addresses, not manage.</li>
 * </ul>
 * Usage: {@code SoakBroker <port> <home folder>}. Prints {@code BROKER_URL=tcp://127.0.0.1:<port>} once
 * started. On SIGTERM it prints what each queue holds ({@code QUEUE name=... messages=... added=...
 * acked=... killed=... expired=... consumers=...}), how many deliveries the messages of the {@code huma.*}
 * queues had taken when they were acknowledged ({@code DELIVERIES_AT_ACK {1=..., 2=...}}: 1 is a
 * message worked at its first delivery; a consumer that dies holds its messages, delivered, and
 * Artemis counts that delivery) and, for the messages still in {@code DLQ} and
 * {@code ExpiryQueue}, one {@code DLQ <ticket> deliveries=N} line each (the {@code ticket_number} of the
 * webhook's body), then {@code STOPPED}, and stops: the soak reads those lines into its summary.
 */
public final class SoakBroker {

    private static final Pattern TICKET = Pattern.compile("\"ticket_number\"\\s*:\\s*\"([^\"]*)\"");
    private static final String ROLE = "huma";

    public static void main(String[] args) throws Exception {
        String user = System.getenv("SOAK_BROKER_USER");
        String password = System.getenv("SOAK_BROKER_PASSWORD");
        if (args.length != 2 || user == null || user.isBlank() || password == null || password.isBlank()) {
            System.err.println("usage: SOAK_BROKER_USER=... SOAK_BROKER_PASSWORD=... SoakBroker <port> <home folder>");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        Path home = Files.createDirectories(Path.of(args[1])).toAbsolutePath();
        int maxDeliveryAttempts = Integer.parseInt(System.getenv().getOrDefault("SOAK_BROKER_MAX_DELIVERY_ATTEMPTS", "10"));

        ConfigurationImpl configuration = new ConfigurationImpl();
        configuration.setName("soak-broker");
        configuration.setPersistenceEnabled(true);
        configuration.setJournalType(JournalType.NIO);
        configuration.setJournalDatasync(true);
        configuration.setJournalDirectory(home.resolve("journal").toString());
        configuration.setBindingsDirectory(home.resolve("bindings").toString());
        configuration.setPagingDirectory(home.resolve("paging").toString());
        configuration.setLargeMessagesDirectory(home.resolve("large-messages").toString());
        configuration.setPersistIDCache(true);
        configuration.setJMXManagementEnabled(false);
        configuration.setSecurityEnabled(true);
        Role role = new Role();
        role.setName(ROLE);
        role.setSend(true);
        role.setConsume(true);
        role.setBrowse(true);
        role.setCreateAddress(true);
        role.setDeleteAddress(true);
        role.setCreateDurableQueue(true);
        role.setDeleteDurableQueue(true);
        role.setCreateNonDurableQueue(true);
        role.setDeleteNonDurableQueue(true);
        configuration.putSecurityRoles("#", Set.of(role));
        configuration.addAcceptorConfiguration("artemis", "tcp://127.0.0.1:" + port);
        configuration.addAddressSetting("#", new AddressSettings()
                .setDeadLetterAddress(SimpleString.of("DLQ"))
                .setExpiryAddress(SimpleString.of("ExpiryQueue"))
                .setRedeliveryDelay(0)
                .setMaxDeliveryAttempts(maxDeliveryAttempts)
                .setAddressFullMessagePolicy(AddressFullMessagePolicy.PAGE)
                .setMaxSizeBytes(-1)
                .setAutoCreateQueues(true)
                .setAutoCreateAddresses(true)
                .setAutoDeleteQueues(false)
                .setAutoDeleteAddresses(false));
        for (String name : List.of("DLQ", "ExpiryQueue")) {
            configuration.addAddressConfiguration(new CoreAddressConfiguration().setName(name)
                    .addRoutingType(RoutingType.ANYCAST)
                    .addQueueConfiguration(QueueConfiguration.of(name).setRoutingType(RoutingType.ANYCAST)));
        }

        Map<Integer, AtomicLong> deliveriesAtAck = new ConcurrentSkipListMap<>();
        configuration.registerBrokerPlugin(new ActiveMQServerMessagePlugin() {
            @Override
            public void messageAcknowledged(Transaction tx, MessageReference ref, AckReason reason, ServerConsumer consumer) {
                if (reason == AckReason.NORMAL && ref.getQueue().getName().toString().startsWith("huma.")) {
                    deliveriesAtAck.computeIfAbsent(ref.getDeliveryCount(), k -> new AtomicLong()).incrementAndGet();
                }
            }
        });
        EmbeddedActiveMQ broker = new EmbeddedActiveMQ().setConfiguration(configuration)
                .setSecurityManager(new OneUser(user, password));
        broker.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                report(broker);
                System.out.println("DELIVERIES_AT_ACK " + deliveriesAtAck);
                broker.stop();
                System.out.println("STOPPED");
            } catch (Exception e) {
                System.out.println("STOP FAILED " + e);
            } finally {
                System.out.flush();
                stopped.countDown();
            }
        }, "soak-broker-stop"));
        System.out.println(now() + " started: journal in " + home + ", " + maxDeliveryAttempts + " delivery attempts before DLQ");
        System.out.println("BROKER_URL=tcp://127.0.0.1:" + port);
        System.out.flush();
        stopped.await();
    }

    /** What each queue holds, and the tickets of the messages in DLQ and ExpiryQueue. */
    private static void report(EmbeddedActiveMQ broker) {
        TreeMap<String, Queue> queues = new TreeMap<>();
        broker.getActiveMQServer().getPostOffice().getAllBindings()
                .filter(QueueBinding.class::isInstance)
                .map(binding -> ((QueueBinding) binding).getQueue())
                .forEach(queue -> queues.put(queue.getName().toString(), queue));
        for (Queue queue : queues.values()) {
            System.out.println("QUEUE name=" + queue.getName() + " messages=" + queue.getMessageCount()
                    + " delivering=" + queue.getDeliveringCount() + " added=" + queue.getMessagesAdded()
                    + " acked=" + queue.getMessagesAcknowledged() + " killed=" + queue.getMessagesKilled()
                    + " expired=" + queue.getMessagesExpired() + " consumers=" + queue.getConsumerCount());
        }
        for (String name : List.of("DLQ", "ExpiryQueue")) {
            Queue queue = queues.get(name);
            if (queue == null) {
                continue;
            }
            try (LinkedListIterator<MessageReference> refs = queue.browserIterator()) {
                while (refs.hasNext()) {
                    MessageReference ref = refs.next();
                    System.out.println(name + " " + ticket(ref) + " deliveries=" + ref.getDeliveryCount()
                            + " from=" + ref.getMessage().getStringProperty("_AMQ_ORIG_QUEUE"));
                }
            } catch (Exception e) {
                System.out.println(name + " could not be browsed: " + e);
            }
        }
        System.out.flush();
    }

    /** The ticket_number of a webhook's body (a JMS text message), or "?". */
    private static String ticket(MessageReference ref) {
        try {
            ICoreMessage message = ref.getMessage().toCore();
            SimpleString text = message.getReadOnlyBodyBuffer().readNullableSimpleString();
            Matcher m = TICKET.matcher(text == null ? "" : text.toString());
            return m.find() ? m.group(1) : "?";
        } catch (RuntimeException e) {
            return "?";
        }
    }

    private static String now() {
        return LocalTime.now().truncatedTo(ChronoUnit.MILLIS).toString();
    }

    /** One user, with the role {@value #ROLE}; the roles a match grants are checked as Artemis does. */
    private record OneUser(String user, String password) implements ActiveMQSecurityManager {

        @Override
        public boolean validateUser(String user, String password) {
            return this.user.equals(user) && this.password.equals(password);
        }

        @Override
        public boolean validateUserAndRole(String user, String password, Set<Role> roles, CheckType checkType) {
            return validateUser(user, password)
                    && roles.stream().anyMatch(role -> ROLE.equals(role.getName()) && checkType.hasRole(role));
        }
    }

    private SoakBroker() {
    }
}

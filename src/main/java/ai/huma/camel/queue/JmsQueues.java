package ai.huma.camel.queue;

import jakarta.jms.Connection;
import jakarta.jms.JMSException;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.component.jms.JmsComponent;
import org.springframework.jms.connection.CachingConnectionFactory;

/**
 * The JMS side of the durable and broker queue modes, loaded only in those modes (camel-jms and the
 * Artemis client are optional dependencies of the library): the bundle's own JMS component,
 * {@value #COMPONENT}, so that the queues never use or change a host's {@code jms} component. Its
 * workers' listeners use a plain Artemis connection factory and recover their own connections; the
 * edge sends through one that caches sessions and producers (Spring's
 * {@link CachingConnectionFactory}), so that a webhook costs one send, not a new connection.
 */
final class JmsQueues {

    /** The name of the bundle's JMS component: the queues are {@code huma-jms:queue:...}. */
    static final String COMPONENT = "huma-jms";
    /** The connections the workers' listeners use: plain, each listener recovers its own. */
    static final String LISTENER_CONNECTIONS = "humaQueueListenerConnections";
    /** The connections the edge sends with: cached sessions and producers. */
    static final String SENDER_CONNECTIONS = "humaQueueSenderConnections";

    private final CachingConnectionFactory sending;

    /**
     * @param url the broker's URL (broker mode), or the in-VM acceptor of the embedded broker
     */
    JmsQueues(CamelContext context, String url, String user, String password) {
        ActiveMQConnectionFactory target = new ActiveMQConnectionFactory(url, user, password);
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
        // a worker's consumer takes from the broker only the event it is about to work, never a buffer
        // of those behind it (the client's default window is 1 MiB, hundreds of webhooks): a buffered
        // event waits for that worker while another worker or instance is idle, and when the process
        // dies (kill -9) Artemis counts a delivery for every event it had sent to it, so a backlog
        // buffered by instances that crash again and again reached the broker's max-delivery-attempts
        // (10 by default) and went to its dead-letter address: acknowledged to Huma, never worked
        target.setConsumerWindowSize(0);
        sending = new CachingConnectionFactory(target);
        sending.setSessionCacheSize(32);
        sending.setReconnectOnException(true);
        JmsComponent component = new JmsComponent();
        component.setConnectionFactory(target);
        component.getConfiguration().setTemplateConnectionFactory(sending);
        context.getRegistry().bind(LISTENER_CONNECTIONS, target);
        context.getRegistry().bind(SENDER_CONNECTIONS, sending);
        context.getRegistry().bind(COMPONENT, component);
    }

    /** True when a connection to the broker can be made now (readiness). */
    boolean isReachable() {
        try (Connection connection = sending.createConnection()) {
            return connection != null;
        } catch (JMSException | RuntimeException e) {
            return false;
        }
    }

    /** Closes the cached connections; the broker going away is no reason to reconnect (nor to log it). */
    void close() {
        sending.setReconnectOnException(false);
        sending.destroy();
    }
}

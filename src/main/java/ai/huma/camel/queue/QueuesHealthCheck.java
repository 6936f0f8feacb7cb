package ai.huma.camel.queue;

import ai.huma.camel.event.HumaEvent;


import java.util.Map;

import org.apache.camel.Endpoint;
import org.apache.camel.component.seda.SedaEndpoint;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness of the queues: up while each event's queue accepts work. A full in-memory queue makes
 * the edge answer 503 (Huma tries again), and the bundle is then not ready for more; the depth of
 * each in-memory queue is in the details. A broker's or Kafka's queue has no depth known here
 * ("unknown"): a JMS broker is checked for a connection, Kafka by camel-kafka's own consumer checks
 * ({@code consumer:kafka-<route>}), and its backlog is the consumer group's lag.
 */
public class QueuesHealthCheck extends AbstractHealthCheck {

    /** Journal mode: its records pending and queued again at start are in the details. */
    private EventJournal journal;

    public void setJournal(EventJournal journal) {
        this.journal = journal;
    }

    private QueueBroker broker;
    private long brokerCheckedAt;
    private boolean brokerReachable = true;

    public QueuesHealthCheck() {
        super("huma", "huma-queues");
    }

    /** The JMS connection of the durable and broker modes. */
    public void setBroker(QueueBroker broker) {
        this.broker = broker;
    }

    /** The queue of each event (huma.queue.<event>.uri), by the event's key. */
    private Map<String, String> queues() {
        Map<String, String> queues = new java.util.LinkedHashMap<>();
        for (HumaEvent event : HumaEvent.values()) {
            getCamelContext().getPropertiesComponent().resolveProperty(event.queueSetting())
                    .ifPresent(uri -> queues.put(event.key(), uri));
        }
        return queues;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        boolean accepting = true;
        for (Map.Entry<String, String> queue : queues().entrySet()) {
            Endpoint endpoint = getCamelContext().hasEndpoint(queue.getValue());
            if (endpoint instanceof SedaEndpoint seda && !seda.isStarted()) {
                // a host may ask before Camel has started its endpoints (Spring Boot's web server does)
                builder.detail("queue." + queue.getKey(), "not started");
                accepting = false;
            } else if (endpoint instanceof SedaEndpoint seda) {
                int depth = seda.getCurrentQueueSize();
                builder.detail("queue." + queue.getKey() + ".depth", depth);
                builder.detail("queue." + queue.getKey() + ".capacity", seda.getSize());
                if (seda.getSize() > 0 && depth >= seda.getSize()) {
                    accepting = false;
                }
            } else if (endpoint == null && (broker == null || !broker.isJms())) {
                builder.detail("queue." + queue.getKey(), "not started");
                accepting = false;
            } else {
                builder.detail("queue." + queue.getKey() + ".depth", "unknown");
            }
        }
        if (journal != null && journal.isEnabled()) {
            builder.detail("journal.pending", journal.getPending());
            builder.detail("journal.recovered", journal.getRecovered());
            builder.detail("journal.sync", journal.isSync());
        }
        if (broker != null && broker.isJms()) {
            // at most one connection attempt per 2 s, whatever the probe's rate
            long now = System.currentTimeMillis();
            if (now - brokerCheckedAt >= 2000) {
                brokerCheckedAt = now;
                brokerReachable = broker.isReachable();
            }
            builder.detail("broker.mode", broker.getMode());
            builder.detail("broker.reachable", brokerReachable);
            accepting &= brokerReachable;
        }
        if (accepting) {
            builder.up();
        } else {
            builder.message("a queue is full or not started: webhooks are answered 503").down();
        }
    }
}

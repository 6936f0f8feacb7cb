package ai.huma.camel;

import java.util.Map;

import org.apache.camel.Endpoint;
import org.apache.camel.component.seda.SedaEndpoint;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness of the queues: up while each event's queue accepts work. A full in-memory queue makes
 * the edge answer 503 (Huma tries again), and the bundle is then not ready for more; the depth of
 * each queue is in the details.
 */
public class QueuesHealthCheck extends AbstractHealthCheck {

    private final Map<String, String> queues = new java.util.LinkedHashMap<>();

    public QueuesHealthCheck() {
        super("huma", "huma-queues");
    }

    /** The queue of each event (its endpoint URI). */
    public void setQuestionQueue(String uri) {
        queues.put("question", uri);
    }

    public void setSubscriptionQueue(String uri) {
        queues.put("subscription", uri);
    }

    public void setHistoryQueue(String uri) {
        queues.put("history", uri);
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        boolean accepting = true;
        for (Map.Entry<String, String> queue : queues.entrySet()) {
            Endpoint endpoint = getCamelContext().hasEndpoint(queue.getValue());
            if (endpoint instanceof SedaEndpoint seda) {
                int depth = seda.getCurrentQueueSize();
                builder.detail("queue." + queue.getKey() + ".depth", depth);
                builder.detail("queue." + queue.getKey() + ".capacity", seda.getSize());
                if (seda.getSize() > 0 && depth >= seda.getSize()) {
                    accepting = false;
                }
            } else if (endpoint == null) {
                builder.detail("queue." + queue.getKey(), "not started");
                accepting = false;
            }
        }
        if (accepting) {
            builder.up();
        } else {
            builder.message("a queue is full or not started: webhooks are answered 503").down();
        }
    }
}

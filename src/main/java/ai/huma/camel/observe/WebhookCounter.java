package ai.huma.camel.observe;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Counts a webhook answered by the edge's routes ({@code huma.webhooks{event, status}}): the event
 * from {@code humaEvent}, the status from {@code CamelHttpResponseCode} (200 when the route sets
 * none). A processor, so that the count costs no bean call per webhook.
 */
public class WebhookCounter implements Processor {

    private HumaMetrics metrics;

    public void setMetrics(HumaMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void process(Exchange exchange) {
        Integer status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        metrics.answeredEvent(exchange.getProperty("humaEvent", String.class), status == null ? 200 : status);
    }
}

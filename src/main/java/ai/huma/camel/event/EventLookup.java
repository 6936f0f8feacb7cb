package ai.huma.camel.event;

import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.Expression;

/**
 * A value of the event's row of {@link HumaEvent}, as a Camel expression (used with {@code ref:} in
 * the routes, without the copy of the exchange a bean call makes), one bean per {@link #setValue value}:
 * <ul>
 * <li>{@code api-path} (bean {@code humaApiPath}): the API call of the worker's event
 * ({@code humaEvent}) for its id ({@code humaResultId});</li>
 * <li>{@code records-field} (bean {@code humaRecordsField}): the field of its records;</li>
 * <li>{@code queue-uri} (bean {@code humaQueueOfEvent}): the queue of the event named by the
 * {@code HumaEvent} header (huma.queue.&lt;event&gt;.uri), for the replay of a dead letter.</li>
 * </ul>
 */
public class EventLookup implements Expression {

    private static final List<String> VALUES = List.of("api-path", "records-field", "queue-uri");

    private String value = "";

    public void setValue(String value) {
        if (!VALUES.contains(value)) {
            throw new IllegalArgumentException("EventLookup value must be one of " + VALUES + ", not " + value);
        }
        this.value = value;
    }

    @Override
    public <T> T evaluate(Exchange exchange, Class<T> type) {
        Object result = switch (value) {
            case "api-path" -> worker(exchange).apiPath(exchange.getProperty("humaResultId", String.class));
            case "records-field" -> worker(exchange).recordsField();
            case "queue-uri" -> queueOf(exchange);
            default -> throw new IllegalStateException("EventLookup used without a value");
        };
        return exchange.getContext().getTypeConverter().convertTo(type, exchange, result);
    }

    private static HumaEvent worker(Exchange exchange) {
        HumaEvent event = HumaEvent.named(exchange.getProperty(HumaEvent.PROPERTY, String.class));
        if (event == null) {
            throw new IllegalStateException("no event in " + HumaEvent.PROPERTY);
        }
        return event;
    }

    private static String queueOf(Exchange exchange) {
        String name = exchange.getMessage().getHeader(HumaEvent.NAME_HEADER, String.class);
        HumaEvent event = HumaEvent.named(name);
        if (event == null) {
            throw new UnknownEventException("no queue for the event " + (name == null ? "null" : "'" + name.replaceAll("\\p{Cntrl}", "?") + "'"));
        }
        return exchange.getContext().getPropertiesComponent().resolveProperty(event.queueSetting())
                .orElseThrow(() -> new IllegalStateException(event.queueSetting() + " is not set"));
    }

    /** A message names no event of {@link HumaEvent} (a dead letter that is not one of ours). */
    public static class UnknownEventException extends IllegalArgumentException {

        private static final long serialVersionUID = 1L;

        public UnknownEventException(String message) {
            super(message);
        }
    }
}

package ai.huma.camel.edge;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import org.apache.camel.Exchange;
import org.apache.camel.Expression;

/**
 * The time a webhook came, as the edge stamps it in {@code HumaReceivedAt} (UTC, milliseconds, as
 * the dead letters give it): {@code setHeader: ref: arrivalTime}.
 */
public class ArrivalTime implements Expression {

    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

    /** Now, formatted. */
    public String now() {
        return FORMAT.format(Instant.now());
    }

    @Override
    public <T> T evaluate(Exchange exchange, Class<T> type) {
        return exchange.getContext().getTypeConverter().convertTo(type, exchange, now());
    }
}

package ai.huma.camel.edge;

import org.apache.camel.Exchange;
import org.apache.camel.Predicate;

/**
 * The edge's first check (bean {@code humaStopping}): while the CamelContext stops, a webhook is
 * refused with 503 so that Huma sends it again, to this instance after its restart or to another.
 */
public class Stopping implements Predicate {

    @Override
    public boolean matches(Exchange exchange) {
        return exchange.getContext().isStopping()
                && Refusal.refuse(exchange, 503, "Service Unavailable", "the bundle is shutting down (Huma will retry)");
    }
}

package ai.huma.camel.observe;

import org.apache.camel.Exchange;
import org.apache.camel.spi.CamelLogger;
import org.apache.camel.spi.LogListener;
import org.apache.camel.support.ExchangeHelper;

/**
 * The log steps of the bundle's own routes (route ids starting with {@value #ROUTE_PREFIX}) write
 * their message escaped ({@link LogEscaping}): a question, a status or an error message from outside
 * cannot forge or disguise a log line, whatever logging the host has. The host's own routes are left
 * as they are.
 */
public class RouteLogEscaping implements LogListener {

    static final String ROUTE_PREFIX = "huma-";

    @Override
    public String onLog(Exchange exchange, CamelLogger camelLogger, String message) {
        String route = exchange == null ? null : ExchangeHelper.getRouteId(exchange);
        if (route == null || !route.startsWith(ROUTE_PREFIX)) {
            return message;
        }
        return LogEscaping.escape(message);
    }
}

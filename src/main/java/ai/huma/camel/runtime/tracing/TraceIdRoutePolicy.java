package ai.huma.camel.runtime.tracing;

import ai.huma.camel.observe.Traces;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.NamedNode;
import org.apache.camel.Route;
import org.apache.camel.spi.RoutePolicy;
import org.apache.camel.spi.RoutePolicyFactory;
import org.apache.camel.support.RoutePolicySupport;

/**
 * Keeps each event's trace id in the exchange property {@value Traces#TRACE_ID_PROPERTY}, where the
 * runtime's log lines ({@link TraceIdUnitOfWork}) and anything else that looks at the exchange find
 * it. Runs when an exchange enters a route, after Camel's tracer has started the route's span: the
 * first route an event enters (its webhook, or its worker when the queue carried only its trace
 * context) sets it; an in-memory queue hands it on with the exchange.
 */
final class TraceIdRoutePolicy extends RoutePolicySupport implements RoutePolicyFactory {

    @Override
    public RoutePolicy createRoutePolicy(CamelContext camelContext, String routeId, NamedNode route) {
        return this;
    }

    @Override
    public void onExchangeBegin(Route route, Exchange exchange) {
        if (exchange.getProperty(Traces.TRACE_ID_PROPERTY) != null) {
            return;
        }
        // the tracer has just written the route span's context on the message...
        String traceId = Traces.traceIdOf(exchange.getIn().getHeader(Traces.TRACEPARENT_HEADER));
        if (traceId == null) {
            // ...unless OTEL_PROPAGATORS chose another format: the span it has just made current
            SpanContext current = Span.current().getSpanContext();
            traceId = current.isValid() ? current.getTraceId() : null;
        }
        if (traceId != null) {
            exchange.setProperty(Traces.TRACE_ID_PROPERTY, traceId);
        }
    }
}

package ai.huma.camel.observe;

import ai.huma.camel.failure.DeadLetters.DeadLetter;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * The replay of a dead letter (route huma-dead-letter-replay) links its span to the trace of the
 * event that ended in that dead letter: a span link to the trace context the record kept
 * ({@code traceparent}), and the attribute {@value Traces#REPLAY_OF_ATTRIBUTE}. The replay is a
 * trace of its own (it may come days later); a trace viewer leads from either to the other.
 * <p>
 * Does nothing without Camel's tracer (the OpenTelemetry API is then not touched, nor need it be on
 * the class path) or for a record without a trace context. In: the variable {@code deadLetter}.
 */
public class ReplayTraceLink implements Processor {

    static final String LINK_ATTRIBUTE = "huma.link";

    private volatile Boolean tracing;

    @Override
    public void process(Exchange exchange) {
        Object record = exchange.getVariable("deadLetter");
        if (!(record instanceof DeadLetter deadLetter) || deadLetter.getTraceparent() == null || !tracing(exchange.getContext())) {
            return;
        }
        OpenTelemetry.link(deadLetter.getTraceparent());
    }

    /** True when a Camel telemetry tracer runs in the context (checked once; it is installed before the routes start). */
    private boolean tracing(CamelContext context) {
        Boolean known = tracing;
        if (known == null) {
            known = onClassPath("org.apache.camel.telemetry.Tracer") && onClassPath("io.opentelemetry.api.trace.Span")
                    && OpenTelemetry.tracerRuns(context);
            tracing = known;
        }
        return known;
    }

    private static boolean onClassPath(String className) {
        try {
            Class.forName(className, false, ReplayTraceLink.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** The OpenTelemetry API, loaded only while tracing. */
    private static final class OpenTelemetry {

        static boolean tracerRuns(CamelContext context) {
            return context.hasService(org.apache.camel.telemetry.Tracer.class) != null;
        }

        static void link(String traceparent) {
            Span current = Span.current();
            if (!current.getSpanContext().isValid()) {
                return;
            }
            String[] parts = traceparent.split("-");
            SpanContext original = SpanContext.createFromRemoteParent(parts[1], parts[2],
                    TraceFlags.fromHex(parts[3], 0), TraceState.getDefault());
            current.addLink(original, Attributes.of(AttributeKey.stringKey(LINK_ATTRIBUTE), "dead-letter"));
            current.setAttribute(Traces.REPLAY_OF_ATTRIBUTE, parts[1]);
        }
    }
}

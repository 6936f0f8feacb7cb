package ai.huma.camel.runtime.tracing;

import ai.huma.camel.observe.Traces;
import org.apache.camel.AsyncCallback;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.impl.engine.DefaultUnitOfWork;
import org.apache.camel.impl.engine.MDCUnitOfWork;
import org.apache.camel.spi.InflightRepository;
import org.apache.camel.spi.UnitOfWork;
import org.apache.camel.spi.UnitOfWorkFactory;
import org.slf4j.MDC;

/**
 * Camel's unit of work, with the event's trace id in the MDC: before each step of an exchange, on
 * whichever thread runs it, the MDC gets {@value Traces#TRACE_ID_MDC_KEY} from the exchange property
 * {@value Traces#TRACE_ID_PROPERTY}, and the thread's own value back after the step. So every line
 * logged while an event is worked carries its trace id: the routes' own log steps, the beans', and
 * Camel's (a retry's warning), also after a hand-over to another thread (a delay, a throttle, an
 * asynchronous producer), and a step of an exchange of no traced event has none. One MDC entry only,
 * written when it changes (Log4j copies its context map on each write). As with Camel's MDC, a thread
 * whose step went on on another thread keeps the id until it runs a step of its next exchange. Installed only while the runtime traces ({@link RuntimeTracing}); with Camel's own
 * MDC logging on ({@code camel.main.use-mdc-logging}) its {@link MDCUnitOfWork} keeps its
 * {@code camel.*} keys and gets the trace id too ({@link WithCamelMdc}).
 */
final class TraceIdUnitOfWork extends DefaultUnitOfWork {

    private final Settings settings;

    private TraceIdUnitOfWork(Exchange exchange, Settings settings) {
        super(exchange, settings.inflight(), settings.originalMessage(), settings.breadcrumb());
        this.settings = settings;
    }

    @Override
    public UnitOfWork createChildUnitOfWork(Exchange childExchange) {
        UnitOfWork child = new TraceIdUnitOfWork(childExchange, settings);
        child.setParentUnitOfWork(this);
        return child;
    }

    @Override
    public boolean isBeforeAfterProcess() {
        return true;
    }

    @Override
    public AsyncCallback beforeProcess(Processor processor, Exchange exchange, AsyncCallback callback) {
        // an exchange of no traced event says so too (nothing left from another exchange on this thread)
        String traceId = exchange.getProperty(Traces.TRACE_ID_PROPERTY, String.class);
        String previous = MDC.get(Traces.TRACE_ID_MDC_KEY);
        if (traceId == null && previous == null) {
            return callback;
        }
        put(traceId, previous);
        return doneSync -> {
            if (!doneSync) {
                // the step went on on another thread: the rest of the event continues there
                put(traceId, MDC.get(Traces.TRACE_ID_MDC_KEY));
            }
            try {
                callback.done(doneSync);
            } finally {
                put(previous, MDC.get(Traces.TRACE_ID_MDC_KEY));
            }
        };
    }

    /** Sets the key to {@code value} (removes it for null), unless it has that value already. */
    private static void put(String value, String current) {
        if (value == null) {
            if (current != null) {
                MDC.remove(Traces.TRACE_ID_MDC_KEY);
            }
        } else if (!value.equals(current)) {
            MDC.put(Traces.TRACE_ID_MDC_KEY, value);
        }
    }

    /** Camel's MDC unit of work (camel.main.use-mdc-logging=true), with the trace id as well. */
    static final class WithCamelMdc extends MDCUnitOfWork {

        private final Settings settings;

        WithCamelMdc(Exchange exchange, Settings settings) {
            super(exchange, settings.inflight(), settings.pattern(), settings.originalMessage(), settings.breadcrumb());
            this.settings = settings;
        }

        @Override
        public UnitOfWork newInstance(Exchange exchange) {
            return new WithCamelMdc(exchange, settings);
        }

        @Override
        protected void prepareMDC(Exchange exchange) {
            super.prepareMDC(exchange);
            String traceId = exchange.getProperty(Traces.TRACE_ID_PROPERTY, String.class);
            if (traceId != null) {
                MDC.put(Traces.TRACE_ID_MDC_KEY, traceId);
            }
        }

        @Override
        public void clear() {
            super.clear();
            MDC.remove(Traces.TRACE_ID_MDC_KEY);
        }
    }

    /** The context's unit-of-work settings, read once. */
    private record Settings(InflightRepository inflight, boolean camelMdc, String pattern, boolean originalMessage,
            boolean breadcrumb) {
    }

    /** Camel's unit-of-work factory, making these. */
    static final class Factory implements UnitOfWorkFactory {

        private Settings settings;

        @Override
        public UnitOfWork createUnitOfWork(Exchange exchange) {
            return settings.camelMdc() ? new WithCamelMdc(exchange, settings) : new TraceIdUnitOfWork(exchange, settings);
        }

        @Override
        public void afterPropertiesConfigured(CamelContext camelContext) {
            settings = new Settings(camelContext.getInflightRepository(), Boolean.TRUE.equals(camelContext.isUseMDCLogging()),
                    camelContext.getMDCLoggingKeysPattern(), Boolean.TRUE.equals(camelContext.isAllowUseOriginalMessage()),
                    Boolean.TRUE.equals(camelContext.isUseBreadcrumb()));
        }
    }
}

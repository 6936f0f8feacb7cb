package ai.huma.camel.runtime.tracing;

import ai.huma.camel.observe.Traces;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.engine.MDCUnitOfWork;
import org.apache.camel.spi.InflightRepository;
import org.apache.camel.spi.UnitOfWork;
import org.apache.camel.spi.UnitOfWorkFactory;
import org.slf4j.MDC;

/**
 * Camel's MDC unit of work, with the event's trace id: before each step of an exchange, on whichever
 * thread runs it, the MDC gets {@value Traces#TRACE_ID_MDC_KEY} from the exchange property
 * {@value Traces#TRACE_ID_PROPERTY}, and loses it again after the step. So every line logged while
 * an event is worked carries its trace id: the routes' own log steps, the beans', and Camel's (a
 * retry's warning), also after a hand-over to another thread (a delay, a throttle, an asynchronous
 * producer). Installed only while the runtime traces ({@link RuntimeTracing}).
 */
final class TraceIdUnitOfWork extends MDCUnitOfWork {

    private final String originalTraceId;
    private final InflightRepository inflight;
    private final String keysPattern;
    private final boolean originalMessage;
    private final boolean breadcrumb;

    private TraceIdUnitOfWork(Exchange exchange, InflightRepository inflightRepository, String pattern,
            boolean allowUseOriginalMessage, boolean useBreadcrumb, String originalTraceId) {
        super(exchange, inflightRepository, pattern, allowUseOriginalMessage, useBreadcrumb);
        this.originalTraceId = originalTraceId;
        this.inflight = inflightRepository;
        this.keysPattern = pattern;
        this.originalMessage = allowUseOriginalMessage;
        this.breadcrumb = useBreadcrumb;
    }

    static TraceIdUnitOfWork of(Exchange exchange, InflightRepository inflightRepository, String pattern,
            boolean allowUseOriginalMessage, boolean useBreadcrumb) {
        // what the thread had before this exchange, to put back when it is done
        String original = MDC.get(Traces.TRACE_ID_MDC_KEY);
        return new TraceIdUnitOfWork(exchange, inflightRepository, pattern, allowUseOriginalMessage, useBreadcrumb, original);
    }

    @Override
    public UnitOfWork newInstance(Exchange exchange) {
        return of(exchange, inflight, keysPattern, originalMessage, breadcrumb);
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
        if (originalTraceId != null) {
            MDC.put(Traces.TRACE_ID_MDC_KEY, originalTraceId);
        } else {
            MDC.remove(Traces.TRACE_ID_MDC_KEY);
        }
    }

    /** Camel's unit-of-work factory, making these. */
    static final class Factory implements UnitOfWorkFactory {

        private InflightRepository inflightRepository;
        private String pattern;
        private boolean allowUseOriginalMessage;
        private boolean useBreadcrumb;

        @Override
        public UnitOfWork createUnitOfWork(Exchange exchange) {
            return of(exchange, inflightRepository, pattern, allowUseOriginalMessage, useBreadcrumb);
        }

        @Override
        public void afterPropertiesConfigured(CamelContext camelContext) {
            inflightRepository = camelContext.getInflightRepository();
            pattern = camelContext.getMDCLoggingKeysPattern();
            allowUseOriginalMessage = Boolean.TRUE.equals(camelContext.isAllowUseOriginalMessage());
            useBreadcrumb = Boolean.TRUE.equals(camelContext.isUseBreadcrumb());
        }
    }
}

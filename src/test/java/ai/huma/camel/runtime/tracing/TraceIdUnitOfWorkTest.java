package ai.huma.camel.runtime.tracing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import ai.huma.camel.observe.Traces;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.UnitOfWorkFactory;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import static org.assertj.core.api.Assertions.assertThat;

/** The trace id in the MDC for every step of its exchange, on whichever thread, and gone after it. */
class TraceIdUnitOfWorkTest {

    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

    @Test
    void everyStepOfAnExchangeSeesItsTraceIdAlsoAfterAnAsynchronousHandOverAndAnExchangeOfNoEventNone() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        try (CamelContext context = new DefaultCamelContext()) {
            context.getCamelContextExtension().addContextPlugin(UnitOfWorkFactory.class, new TraceIdUnitOfWork.Factory());
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("direct:event").routeId("event")
                            .setProperty(Traces.TRACE_ID_PROPERTY, constant(TRACE))
                            .process(exchange -> record(seen, threads))
                            .to("direct:inner")
                            // continued on the delayer's thread
                            .delay(20).asyncDelayed()
                            .process(exchange -> record(seen, threads));
                    from("direct:inner").routeId("inner")
                            .process(exchange -> record(seen, threads));
                }
            });
            context.start();
            MDC.remove(Traces.TRACE_ID_MDC_KEY);

            context.createProducerTemplate().sendBody("direct:event", "payload");
            // a stale id on a thread (its exchange went on on another thread) is not taken for another exchange's
            MDC.put(Traces.TRACE_ID_MDC_KEY, "0af7651916cd43dd8448eb211c80319c");
            context.createProducerTemplate().sendBody("direct:inner", "an exchange of no event");

            assertThat(seen).containsExactly(TRACE, TRACE, TRACE, "none");
            assertThat(threads.get(2)).as("the step after the delay ran on another thread").isNotEqualTo(threads.get(0));
            assertThat(MDC.get(Traces.TRACE_ID_MDC_KEY)).as("and the thread's own value is back after it")
                    .isEqualTo("0af7651916cd43dd8448eb211c80319c");
            MDC.remove(Traces.TRACE_ID_MDC_KEY);
        }
    }

    private static void record(List<String> seen, List<String> threads) {
        String traceId = MDC.get(Traces.TRACE_ID_MDC_KEY);
        seen.add(traceId == null ? "none" : traceId);
        threads.add(Thread.currentThread().getName());
    }
}

package ai.huma.camel.runtime.tracing;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import ai.huma.camel.observe.Traces;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import org.apache.camel.CamelContext;
import org.apache.camel.opentelemetry2.OpenTelemetryTracer;
import org.apache.camel.spi.UnitOfWorkFactory;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone runtime's traces (docs/operations.md "Traces"), switched on by the standard
 * OpenTelemetry variables: with {@code OTEL_EXPORTER_OTLP_ENDPOINT} (or
 * {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT}) set, the OpenTelemetry SDK is built from the
 * {@code OTEL_*} variables (and {@code otel.*} system properties) by its autoconfiguration, with the
 * runtime's defaults: OTLP over HTTP (protobuf), service name {@value #SERVICE_NAME}, traces only (no
 * metrics or logs exported unless their variables ask). Camel's OpenTelemetry tracer
 * (camel-opentelemetry2) then traces every route and call, with the library's span decorators; each
 * event's trace id is kept in the exchange property {@value Traces#TRACE_ID_PROPERTY}
 * ({@link TraceIdRoutePolicy}) and put in the MDC as {@value Traces#TRACE_ID_MDC_KEY} while the event
 * is worked ({@link TraceIdUnitOfWork}), which the jar's log pattern prints.
 * <p>
 * Unset, nothing is installed: no SDK, no tracer, no route policy, no unit of work of its own, so the
 * routes run exactly as without tracing. Installed before the routes are built, on the runtime's own
 * Camel Main (a host of the library sets up its own OpenTelemetry).
 */
public final class RuntimeTracing extends ServiceSupport {

    /** The service name when neither OTEL_SERVICE_NAME nor a service.name in OTEL_RESOURCE_ATTRIBUTES says one. */
    public static final String SERVICE_NAME = "huma-camel";

    private static final Logger LOG = LoggerFactory.getLogger(RuntimeTracing.class);

    private final OpenTelemetrySdk sdk;

    private RuntimeTracing(OpenTelemetrySdk sdk) {
        this.sdk = sdk;
    }

    /** True when the environment (or the system properties) asks for traces. */
    static boolean enabled(Function<String, String> env, Function<String, String> system) {
        if ("true".equalsIgnoreCase(setting("OTEL_SDK_DISABLED", env, system))) {
            return false;
        }
        String exporter = setting("OTEL_TRACES_EXPORTER", env, system);
        if (exporter != null && exporter.strip().toLowerCase(Locale.ROOT).equals("none")) {
            return false;
        }
        return setting("OTEL_EXPORTER_OTLP_ENDPOINT", env, system) != null
                || setting("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", env, system) != null;
    }

    /** An OTEL_* variable, else its otel.* system property (the autoconfiguration reads both), blank as none. */
    private static String setting(String variable, Function<String, String> env, Function<String, String> system) {
        String value = env.apply(variable);
        if (value == null || value.isBlank()) {
            value = system.apply(variable.toLowerCase(Locale.ROOT).replace('_', '.'));
        }
        return value == null || value.isBlank() ? null : value;
    }

    /** The runtime's defaults, which any OTEL_* variable or otel.* system property overrides. */
    static Map<String, String> defaults(Function<String, String> env, Function<String, String> system) {
        Map<String, String> defaults = new HashMap<>();
        defaults.put("otel.exporter.otlp.protocol", "http/protobuf");
        defaults.put("otel.metrics.exporter", "none");
        defaults.put("otel.logs.exporter", "none");
        String resource = setting("OTEL_RESOURCE_ATTRIBUTES", env, system);
        boolean named = setting("OTEL_SERVICE_NAME", env, system) != null
                || (resource != null && java.util.Arrays.stream(resource.split(","))
                        .anyMatch(pair -> pair.strip().startsWith("service.name=")));
        if (!named) {
            defaults.put("otel.service.name", SERVICE_NAME);
        }
        return defaults;
    }

    /**
     * Installs tracing in the context when the environment asks for it: before the routes are built
     * (the tracer's route policy and the unit of work apply to the routes made after them).
     *
     * @return true when tracing was installed
     */
    public static boolean install(CamelContext context) {
        return install(context, System::getenv, System::getProperty);
    }

    static boolean install(CamelContext context, Function<String, String> env, Function<String, String> system) {
        if (!enabled(env, system)) {
            return false;
        }
        // the SDK's own messages (a collector that is down) in the jar's log, one line each
        SdkLogging.install();
        Map<String, String> defaults = defaults(env, system);
        OpenTelemetrySdk sdk;
        try {
            sdk = AutoConfiguredOpenTelemetrySdk.builder()
                    .addPropertiesSupplier(() -> defaults)
                    .disableShutdownHook()
                    .build()
                    .getOpenTelemetrySdk();
        } catch (ConfigurationException e) {
            // not the SDK's message: it repeats the value it could not read (OTEL_EXPORTER_OTLP_HEADERS
            // holds the collector's key)
            throw new IllegalStateException("Cannot set up tracing: an OTEL_* setting is not valid (OpenTelemetry's "
                    + "autoconfiguration refused it; the message is not shown, as it repeats the value)");
        }
        RuntimeTracing tracing = new RuntimeTracing(sdk);
        try {
            // added before the routes start, so stopped after them: the spans of the last events (the
            // drain's dead letters) are exported before the process exits
            context.addService(tracing, true, true);
        } catch (Exception e) {
            sdk.close();
            throw new IllegalStateException("Cannot set up tracing: " + e.getMessage(), e);
        }
        // Camel's tracer finds the SDK's tracer and propagators in the registry (the SDK is not made
        // the JVM's global one)
        context.getRegistry().bind("humaTracingTracer", Tracer.class, sdk.getTracer("camel"));
        context.getRegistry().bind("humaTracingPropagators", ContextPropagators.class, sdk.getPropagators());
        OpenTelemetryTracer tracer = new OpenTelemetryTracer();
        tracer.setCamelContext(context);
        tracer.init(context);
        // after the tracer's own route policy, which starts the route's span and writes its context
        context.addRoutePolicyFactory(new TraceIdRoutePolicy());
        context.getCamelContextExtension().addContextPlugin(UnitOfWorkFactory.class, new TraceIdUnitOfWork.Factory());
        LOG.info("Traces: OTLP ({}) to {}, service {}", value("otel.exporter.otlp.protocol", env, system, defaults),
                Traces.withoutQuery(endpoint(env, system)), value("otel.service.name", env, system, defaults));
        return true;
    }

    static String endpoint(Function<String, String> env, Function<String, String> system) {
        String traces = setting("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", env, system);
        if (traces != null) {
            return traces;
        }
        String endpoint = setting("OTEL_EXPORTER_OTLP_ENDPOINT", env, system);
        String protocol = setting("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", env, system);
        if (protocol == null) {
            protocol = setting("OTEL_EXPORTER_OTLP_PROTOCOL", env, system);
        }
        // gRPC takes the endpoint as it is; OTLP over HTTP adds the signal's path
        return "grpc".equals(protocol) ? endpoint : endpoint + (endpoint.endsWith("/") ? "v1/traces" : "/v1/traces");
    }

    private static String value(String property, Function<String, String> env, Function<String, String> system,
            Map<String, String> defaults) {
        String set = setting(property.toUpperCase(Locale.ROOT).replace('.', '_'), env, system);
        return set != null ? set : defaults.getOrDefault(property, "(from OTEL_RESOURCE_ATTRIBUTES)");
    }

    @Override
    protected void doStop() {
        // what is still buffered goes out now
        sdk.shutdown().join(5, TimeUnit.SECONDS);
    }
}

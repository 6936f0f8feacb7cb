package ai.huma.camel.runtime.tracing;

import java.util.Map;
import java.util.function.Function;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.impl.engine.DefaultUnitOfWorkFactory;
import org.apache.camel.spi.UnitOfWorkFactory;
import org.apache.camel.support.PluginHelper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** When the runtime traces, with what defaults, and that without the variables it installs nothing. */
class RuntimeTracingTest {

    private static final Function<String, String> NONE = name -> null;

    @Test
    void theOtlpEndpointSwitchesTracesOn() {
        assertThat(RuntimeTracing.enabled(env(), NONE)).isFalse();
        assertThat(RuntimeTracing.enabled(env("OTEL_SERVICE_NAME", "x", "OTEL_BSP_SCHEDULE_DELAY", "100"), NONE)).isFalse();
        assertThat(RuntimeTracing.enabled(env("OTEL_EXPORTER_OTLP_ENDPOINT", " "), NONE)).isFalse();
        assertThat(RuntimeTracing.enabled(env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"), NONE)).isTrue();
        assertThat(RuntimeTracing.enabled(env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://collector:4318/v1/traces"), NONE)).isTrue();
        assertThat(RuntimeTracing.enabled(env(), Map.of("otel.exporter.otlp.endpoint", "http://collector:4318")::get)).isTrue();
    }

    @Test
    void theStandardWaysOfSayingNoWin() {
        assertThat(RuntimeTracing.enabled(env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318", "OTEL_SDK_DISABLED", "true"), NONE)).isFalse();
        assertThat(RuntimeTracing.enabled(env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318", "OTEL_TRACES_EXPORTER", "none"), NONE)).isFalse();
    }

    @Test
    void defaultsAreOtlpOverHttpTracesOnlyAndTheServiceNameUnlessOneIsGiven() {
        assertThat(RuntimeTracing.defaults(env(), NONE)).containsOnly(
                Map.entry("otel.exporter.otlp.protocol", "http/protobuf"),
                Map.entry("otel.metrics.exporter", "none"),
                Map.entry("otel.logs.exporter", "none"),
                Map.entry("otel.service.name", "huma-camel"));
        assertThat(RuntimeTracing.defaults(env("OTEL_SERVICE_NAME", "billing"), NONE)).doesNotContainKey("otel.service.name");
        assertThat(RuntimeTracing.defaults(env("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=prod, service.name=billing"), NONE))
                .doesNotContainKey("otel.service.name");
        assertThat(RuntimeTracing.defaults(env("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=prod"), NONE))
                .containsEntry("otel.service.name", "huma-camel");
    }

    @Test
    void withoutTheVariablesNothingIsInstalled() throws Exception {
        try (CamelContext context = new DefaultCamelContext()) {
            int policies = context.getRoutePolicyFactories().size();

            assertThat(RuntimeTracing.install(context, env(), NONE)).isFalse();

            assertThat(context.hasService(org.apache.camel.telemetry.Tracer.class)).isNull();
            assertThat(context.hasService(RuntimeTracing.class)).isNull();
            assertThat(context.getRoutePolicyFactories()).hasSize(policies);
            assertThat(PluginHelper.getUnitOfWorkFactory(context)).isInstanceOf(DefaultUnitOfWorkFactory.class);
        }
    }

    @Test
    void withTheEndpointCamelsTracerTheTraceIdAndTheUnitOfWorkAreInstalledAndTheSdkStopsWithTheContext() throws Exception {
        CamelContext context = new DefaultCamelContext();
        RuntimeTracing sdk;
        try {
            assertThat(RuntimeTracing.install(context, env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"), NONE)).isTrue();

            assertThat(context.hasService(org.apache.camel.opentelemetry2.OpenTelemetryTracer.class)).isNotNull();
            assertThat(context.getRoutePolicyFactories()).hasAtLeastOneElementOfType(TraceIdRoutePolicy.class);
            UnitOfWorkFactory factory = PluginHelper.getUnitOfWorkFactory(context);
            assertThat(factory).isInstanceOf(TraceIdUnitOfWork.Factory.class);
            sdk = context.hasService(RuntimeTracing.class);
            context.start();
            assertThat(sdk.isStarted()).isTrue();
        } finally {
            context.stop();
        }
        assertThat(sdk.isStopped()).as("the SDK is shut down (its last spans sent) with the context").isTrue();
    }

    @Test
    void aSettingTheSdkRefusesStopsTheStartWithoutRepeatingItsValue() {
        String key = "collector-key-7f3a9c1e";
        CamelContext context = new DefaultCamelContext();
        // a comma inside a header's value: OpenTelemetry cannot read the list, and its message repeats it
        // (the SDK reads the JVM's own system properties and environment)
        System.setProperty("otel.exporter.otlp.headers", "api-key=" + key + ",broken");
        try {
            assertThatThrownBy(() -> RuntimeTracing.install(context, env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"), NONE))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("an OTEL_* setting is not valid")
                    .hasNoCause()
                    .message().doesNotContain(key);
        } finally {
            System.clearProperty("otel.exporter.otlp.headers");
        }
    }

    @Test
    void theStartUpLineNamesWhereTheSpansGo() {
        assertThat(RuntimeTracing.endpoint(env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"), NONE))
                .isEqualTo("http://collector:4318/v1/traces");
        assertThat(RuntimeTracing.endpoint(env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"), NONE))
                .isEqualTo("http://collector:4318/v1/traces");
        assertThat(RuntimeTracing.endpoint(env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317", "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), NONE))
                .isEqualTo("http://collector:4317");
        assertThat(RuntimeTracing.endpoint(env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318",
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:4318/custom"), NONE)).isEqualTo("http://traces:4318/custom");
    }

    private static Function<String, String> env(String... pairs) {
        java.util.Map<String, String> env = new java.util.HashMap<>();
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env::get;
    }
}

package ai.huma.camel.observe;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Properties;

import ai.huma.camel.support.HumaRoutesTestSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.test.junit5.TestExecutionConfiguration;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Jolokia on the management port when switched on (huma.management.jolokia = true), with Camel's
 * MBeans, as Hawtio reads them. Off by default: ObservabilityTest.
 */
class JolokiaTest extends HumaRoutesTestSupport {

    private final ObjectMapper json = new ObjectMapper();

    /** Camel's tests run without JMX; the jar has it with Jolokia (camel.main.jmx-enabled). */
    @Override
    public void configureTest(TestExecutionConfiguration configuration) {
        super.configureTest(configuration);
        configuration.withEnableJMX();
    }

    @Override
    protected Properties extraProperties() {
        return properties("huma.management.jolokia", "true");
    }

    @Test
    void jolokiaAnswersOnTheManagementPortWithCamelsMBeans() throws Exception {
        HttpResponse<String> version = management("/observe/jolokia/version");
        assertThat(version.statusCode()).isEqualTo(200);
        JsonNode agent = json.readTree(version.body());
        assertThat(agent.get("status").asInt()).isEqualTo(200);
        assertThat(agent.get("value").get("agent").asText()).isNotEmpty();

        JsonNode routes = json.readTree(management("/observe/jolokia/search/org.apache.camel:type=routes,*").body());
        assertThat(routes.get("value").toString()).contains("huma-question-computed-worker");
        // not where Huma calls in
        assertThat(send(request("/observe/jolokia/version").GET().build()).statusCode()).isEqualTo(404);
    }

    private HttpResponse<String> management(String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path))
                .timeout(Duration.ofSeconds(10)).GET().build());
    }
}

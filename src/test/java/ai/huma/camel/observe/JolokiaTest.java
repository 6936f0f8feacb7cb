package ai.huma.camel.observe;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
 * MBeans, as Hawtio reads them, under the jar's policy (src/main/runtime/jolokia-access.xml): reading
 * only, but for Camel's dumps, and from a browser only pages of this machine. Off by default:
 * ObservabilityTest.
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

    @Test
    void itReadsButNeitherWritesNorRunsOperationsNorAnswersAnotherSitesPage() throws Exception {
        String contextMBean = json.readTree(management("/observe/jolokia/search/org.apache.camel:type=context,*").body())
                .get("value").get(0).asText();
        String routeMBean = json.readTree(management("/observe/jolokia/search/org.apache.camel:type=routes,*").body())
                .get("value").get(0).asText();
        // an operation that would write a file anywhere (Camel's context MBean sends to any endpoint)
        Path written = workDir.resolve("written-through-jolokia");
        JsonNode send = jolokia(Map.of("type", "exec", "mbean", contextMBean, "operation", "sendStringBody(java.lang.String,java.lang.String)",
                "arguments", List.of("file:" + written + "?fileName=hello.txt", "hello")));
        assertRefused(send);
        assertThat(written).doesNotExist();
        // a write of an attribute, a route stopped
        assertRefused(jolokia(Map.of("type", "write", "mbean", routeMBean, "attribute", "Tracing", "value", true)));
        assertThat(jolokia(Map.of("type", "read", "mbean", routeMBean, "attribute", "Tracing")).get("value").asBoolean()).isFalse();
        assertRefused(jolokia(Map.of("type", "exec", "mbean", routeMBean, "operation", "stop()")));
        assertThat(context.getRouteController().getRouteStatus(routeId(routeMBean)).isStarted()).isTrue();

        // what Hawtio's Camel tab reads: attributes, and the dumps of the routes
        assertThat(jolokia(Map.of("type", "read", "mbean", routeMBean, "attribute", "ExchangesTotal")).get("status").asInt()).isEqualTo(200);
        String workerMBean = json.readTree(management(
                "/observe/jolokia/search/org.apache.camel:type=routes,name=%22huma-question-computed-worker%22,*").body()).get("value").get(0).asText();
        JsonNode dump = jolokia(Map.of("type", "exec", "mbean", workerMBean, "operation", "dumpRouteAsXml()"));
        assertThat(dump.get("status").asInt()).as(dump.toString()).isEqualTo(200);
        assertThat(dump.get("value").asText()).contains("huma-question-computed-worker");

        // a page of another site in the operator's browser may send a GET, but may not read its answer (no CORS grant)
        assertThat(management("/observe/jolokia/version", "https://evil.example").headers().firstValue("Access-Control-Allow-Origin"))
                .isEmpty();
    }

    /** Refused by the policy: Jolokia answers 403. */
    private static void assertRefused(JsonNode answer) {
        assertThat(answer.get("status").asInt()).as(answer.toString()).isEqualTo(403);
        assertThat(answer.has("value")).isFalse();
    }

    private static String routeId(String routeMBean) {
        return routeMBean.replaceAll(".*name=\"([^\"]+)\".*", "$1");
    }

    private JsonNode jolokia(Map<String, Object> request) throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/observe/jolokia/"))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(request))).build());
        return json.readTree(response.body());
    }

    private HttpResponse<String> management(String path, String origin) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path))
                .header("Origin", origin).timeout(Duration.ofSeconds(10)).GET().build());
    }

    private HttpResponse<String> management(String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path))
                .timeout(Duration.ofSeconds(10)).GET().build());
    }
}

package ai.huma.camel;

import ai.huma.camel.edge.WebhookBodyCheck;

import ai.huma.camel.edge.SourceAllowList;

import ai.huma.camel.edge.ClientAddress;

import ai.huma.camel.ReadyLine;

import ai.huma.camel.edge.BadWebhookException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.properties.DefaultPropertiesParser;
import org.apache.camel.converter.stream.ReaderCache;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.DefaultMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the library does in any CamelContext that has it on the class path, without a launcher of
 * ours: the defaults of the huma.* settings (below every setting of the host, and below a host that
 * resolves properties its own way, as Spring Boot does), its routes in the registry, and the edge's
 * checks on messages of engines other than Vert.x.
 */
class LibraryInAHostTest {

    private CamelContext context;

    @AfterEach
    void close() throws Exception {
        if (context != null) {
            context.close();
        }
    }

    @Test
    void anyContextGetsTheDefaultsOfTheHumaSettingsAndNothingElse() {
        context = new DefaultCamelContext();
        PropertiesComponent properties = context.getPropertiesComponent();

        assertThat(properties.resolveProperty("huma.pages.limit")).contains("100");
        assertThat(properties.resolveProperty("huma.output.question.uri")).contains("file:output?tempFileName=.$simple{exchangeId}.part");
        assertThat(properties.resolveProperty("huma.http.path-prefix")).contains("");
        // no camel.* key of the host is set or changed
        assertThat(properties.loadProperties(key -> key.startsWith("camel.")).isEmpty()).isTrue();
        assertThat(context.getRegistry().lookupByName(HumaRoutes.NAME)).isInstanceOf(HumaRoutes.class);
    }

    @Test
    void inAHostTheReadyLineNamesTheWebhookPathsAndNoSecret() {
        context = new DefaultCamelContext();
        Properties settings = new Properties();
        settings.setProperty("huma.http.path-prefix", "/huma");
        settings.setProperty("huma.api.url", "https://user:s3cret@api.acme.huma.ai/v1");
        context.getPropertiesComponent().setOverrideProperties(settings);

        assertThat(ReadyLine.inHost(context.getPropertiesComponent()))
                .startsWith("huma-camel ready: webhooks at /huma/api/webhook-question-answered, "
                        + "/huma/api/webhook-subscription-updated, /huma/api/webhook-history-visualized of this application's HTTP server")
                .contains("| Huma API api.acme.huma.ai |").contains("| queue journal |").doesNotContain("s3cret")
                .containsPattern("\\| inbox /.*/data/inbox \\|");
    }

    @Test
    void theHostsOwnSettingsWin(@TempDir Path folder) throws Exception {
        Path hostProperties = folder.resolve("application.properties");
        Files.writeString(hostProperties, "huma.pages.limit = 7\n");
        context = new DefaultCamelContext();
        context.getPropertiesComponent().setLocation("file:" + hostProperties);
        Properties overrides = new Properties();
        overrides.setProperty("huma.pages.max", "3");
        context.getPropertiesComponent().setOverrideProperties(overrides);

        assertThat(context.getPropertiesComponent().resolveProperty("huma.pages.limit")).contains("7");
        assertThat(context.getPropertiesComponent().resolveProperty("huma.pages.max")).contains("3");
        assertThat(context.getPropertiesComponent().resolveProperty("huma.pages.start")).contains("1");
    }

    @Test
    void aHostThatResolvesPropertiesItsOwnWayWinsOverTheDefaults() {
        context = new DefaultCamelContext();
        org.apache.camel.component.properties.PropertiesComponent properties =
                (org.apache.camel.component.properties.PropertiesComponent) context.getPropertiesComponent();
        // as Camel Spring Boot's SpringPropertiesParser asks Spring's environment, after every Camel source
        properties.setPropertiesParser(new DefaultPropertiesParser() {
            @Override
            public String customLookup(String key) {
                return key.equals("huma.pages.limit") ? "42" : null;
            }
        });

        assertThat(properties.resolveProperty("huma.pages.limit")).contains("42");
        assertThat(properties.resolveProperty("huma.pages.max")).contains("100");
    }

    @Test
    void theRoutesLoadAsTheyAreListedWithTheBeansFirstAndCanBeSwitchedOff() {
        context = new DefaultCamelContext();
        HumaRoutes routes = context.getRegistry().lookupByNameAndType(HumaRoutes.NAME, HumaRoutes.class);
        List<String> all = routes.fileNames(context);
        assertThat(all).first().isEqualTo("huma-beans.camel.yaml");
        assertThat(all).contains("huma-edge.camel.yaml", "huma-workers.camel.yaml", "huma-fetch.camel.yaml",
                "huma-deliver.camel.yaml", "huma-failure.camel.yaml");

        Properties overrides = new Properties();
        overrides.setProperty(HumaRoutes.EXCLUDE_PROPERTY, "huma-failure, huma-deliver.camel.yaml");
        context.getPropertiesComponent().setOverrideProperties(overrides);
        routes.replace(List.of("huma-fetch.camel.yaml"));
        assertThat(routes.fileNames(context)).hasSize(all.size() - 3)
                .doesNotContain("huma-failure.camel.yaml", "huma-deliver.camel.yaml", "huma-fetch.camel.yaml");
    }

    @Test
    void theClientAddressComesFromVertxOrFromAServletRequest() {
        context = new DefaultCamelContext();
        DefaultMessage vertx = new DefaultMessage(context);
        vertx.setHeader(ClientAddress.VERTX_HEADER, "192.0.2.7:41234");
        assertThat(ClientAddress.of(vertx)).isEqualTo("192.0.2.7:41234");

        assertThat(ClientAddress.of(new ServletMessage(context, "198.51.100.9"))).isEqualTo("198.51.100.9");
        assertThat(ClientAddress.of(new DefaultMessage(context))).as("an engine that gives none").isNull();
    }

    @Test
    void anAllowListRefusesWhenTheEngineGivesNoAddress() {
        context = new DefaultCamelContext();
        SourceAllowList allowList = new SourceAllowList("198.51.100.0/24");
        Exchange servlet = new DefaultExchange(context);
        servlet.setIn(new ServletMessage(context, "198.51.100.9"));
        Exchange foreign = new DefaultExchange(context);
        foreign.setIn(new ServletMessage(context, "203.0.113.5"));
        Exchange unknown = new DefaultExchange(context);

        assertThat(allowList.matches(servlet)).as("allowed: not refused").isFalse();
        assertThat(allowList.matches(foreign)).isTrue();
        assertThat(foreign.getProperty(SourceAllowList.REFUSED_ADDRESS)).isEqualTo("203.0.113.5");
        assertThat(allowList.matches(unknown)).isTrue();
        assertThat(new SourceAllowList("").matches(unknown)).as("no allow-list: everyone").isFalse();
    }

    @Test
    void aBodyReadAsTextByTheServerIsCheckedAndItsSizeLimited() {
        context = new DefaultCamelContext();
        WebhookBodyCheck check = new WebhookBodyCheck();
        check.setMaxBodySize(64);
        String json = "{\"question\":\"Umsätze 2023\"}";

        Exchange text = exchangeWith(new ReaderCache(json));
        assertThat(check.evaluate(text, String.class)).isEqualTo(json);

        Exchange bytes = exchangeWith(json.getBytes(StandardCharsets.UTF_8));
        assertThat(check.evaluate(bytes, String.class)).isEqualTo(json);

        Exchange large = exchangeWith(new ReaderCache("{\"a\":\"" + "x".repeat(100) + "\"}"));
        assertThatThrownBy(() -> check.evaluate(large, String.class)).isInstanceOf(BadWebhookException.class)
                .hasMessage("request body is larger than 64 bytes (huma.http.max-body-size)")
                .extracting(e -> ((BadWebhookException) e).getStatus()).isEqualTo(413);

        Exchange stream = exchangeWith(new java.io.ByteArrayInputStream(("{\"a\":\"" + "é".repeat(40) + "\"}")
                .getBytes(StandardCharsets.UTF_8)));
        assertThatThrownBy(() -> check.evaluate(stream, String.class)).isInstanceOf(BadWebhookException.class)
                .extracting(e -> ((BadWebhookException) e).getStatus()).isEqualTo(413);
    }

    private Exchange exchangeWith(Object body) {
        Exchange exchange = new DefaultExchange(context);
        exchange.getMessage().setBody(body);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        return exchange;
    }

    /** A message as a servlet engine's platform-http makes it: its request through a public getRequest(). */
    public static final class ServletMessage extends DefaultMessage {

        private final jakarta.servlet.ServletRequest request;

        ServletMessage(CamelContext context, String remoteAddress) {
            super(context);
            this.request = (jakarta.servlet.ServletRequest) java.lang.reflect.Proxy.newProxyInstance(
                    getClass().getClassLoader(), new Class<?>[] {jakarta.servlet.ServletRequest.class},
                    (proxy, method, args) -> method.getName().equals("getRemoteAddr") ? remoteAddress : null);
        }

        public jakarta.servlet.ServletRequest getRequest() {
            return request;
        }
    }
}

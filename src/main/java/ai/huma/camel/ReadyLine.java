package ai.huma.camel;

import ai.huma.camel.event.HumaEvent;

import ai.huma.camel.deliver.ResultDelivery;

import ai.huma.camel.settings.EndpointMasking;

import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.spi.PropertiesComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The line that says the bundle is ready: where it takes webhooks, which Huma it calls, where results
 * and state go, which queues, which destinations (secrets masked). The standalone jar logs it with
 * its port and readiness URL once its edge is warm ({@link #of}); in a host, this bean
 * ({@code humaReadyLine}) logs it once the CamelContext has started, with the webhook paths.
 */
public class ReadyLine implements CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(ReadyLine.class);
    /** The standalone jar's webhook server: when it is there, the jar logs its own line. */
    private static final String STANDALONE_SERVER = "humaWebhookServer";

    private CamelContext camelContext;

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** The bean's init method: the line is logged once the context has started, in a host. */
    public void logWhenStarted() throws Exception {
        RegisteredBean.whenFullyStarted(camelContext, "humaReadyLine", this, context -> {
            if (context.getRegistry().lookupByName(STANDALONE_SERVER) == null) {
                LOG.info(inHost(context.getPropertiesComponent()));
            }
        });
    }

    /** The line in a host: the webhook paths on the host's own HTTP server. */
    public static String inHost(PropertiesComponent properties) {
        String prefix = value(properties, "huma.http.path-prefix");
        return "huma-camel ready: webhooks at " + java.util.Arrays.stream(HumaEvent.values())
                .map(event -> prefix + event.path()).collect(Collectors.joining(", "))
                + " of this application's HTTP server" + setUp(properties, "");
    }

    /**
     * @param port       the port the webhook receiver listens on
     * @param apiTag     said after the API host ({@code " (simulated)"} in the demo), or empty
     * @param management where the management server listens ({@code http://host:port}), null without one
     */
    public static String of(PropertiesComponent properties, int port, String apiTag, String management) {
        return "Ready on port " + port + setUp(properties, apiTag)
                + (management != null ? " | health " + management + "/observe/health/ready" : " | no management server");
    }

    private static String setUp(PropertiesComponent properties, String apiTag) {
        String mode = value(properties, "huma.queue.mode");
        String queue = mode.equals("broker") ? "broker " + EndpointMasking.mask(value(properties, "huma.broker.url")) : mode;
        return " | Huma API " + apiHost(value(properties, "huma.api.url")) + apiTag
                + " | output " + folder(value(properties, "huma.output.dir"))
                + " | data " + folder(value(properties, "huma.data.dir"))
                + " | queue " + queue
                + " | inbox " + inbox(properties)
                + " | outputs " + outputs(properties);
    }

    /** The host (and port, if given) of the API URL: never its user info, path or query. */
    static String apiHost(String url) {
        try {
            URI uri = new URI(url.strip());
            if (uri.getHost() == null) {
                return "(not an http(s) URL)";
            }
            return uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "");
        } catch (Exception e) {
            return "(not an http(s) URL)";
        }
    }

    /** Each event's destinations, masked; one entry for events that share theirs. */
    static String outputs(PropertiesComponent properties) {
        Map<String, List<String>> byDestinations = new LinkedHashMap<>();
        for (HumaEvent humaEvent : HumaEvent.values()) {
            String event = humaEvent.key();
            String uris = value(properties, humaEvent.outputSetting());
            String masked = ResultDelivery.split(uris).stream().map(EndpointMasking::mask).collect(Collectors.joining(" + "));
            byDestinations.computeIfAbsent(masked, key -> new java.util.ArrayList<>()).add(event);
        }
        return byDestinations.entrySet().stream()
                .map(entry -> String.join(", ", entry.getValue()) + " -> " + entry.getKey())
                .collect(Collectors.joining("; "));
    }

    /** Where requests to ask Huma come in: the folder of a file inbox, else its endpoint, masked. */
    static String inbox(PropertiesComponent properties) {
        String uri = value(properties, "huma.inbox.uri");
        String dir = value(properties, "huma.inbox.dir");
        if (uri.startsWith("file:" + dir + "?") || uri.equals("file:" + dir)) {
            return folder(dir);
        }
        return EndpointMasking.mask(uri);
    }

    private static String folder(String folder) {
        return Path.of(folder).toAbsolutePath().normalize().toString();
    }

    private static String value(PropertiesComponent properties, String key) {
        return properties.resolveProperty(key).orElse("").strip();
    }
}

package ai.huma.camel;

import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.camel.spi.PropertiesComponent;

/**
 * The last line of the start-up log: what the bundle listens on, which Huma it calls, where results
 * and state go, which queues, which destinations (secrets masked) and where readiness is asked.
 */
final class ReadyLine {

    private static final List<String> EVENTS = List.of("question", "subscription", "history");

    private ReadyLine() {
    }

    /**
     * @param port   the port the webhook receiver listens on
     * @param apiTag said after the API host ({@code " (simulated)"} in the demo), or empty
     */
    static String of(PropertiesComponent properties, int port, String apiTag) {
        String mode = value(properties, "huma.queue.mode");
        String queue = mode.equals("broker") ? "broker " + EndpointMasking.mask(value(properties, "huma.broker.url")) : mode;
        return "Ready on port " + port
                + " | Huma API " + apiHost(value(properties, "huma.api.url")) + apiTag
                + " | output " + folder(value(properties, "huma.output.dir"))
                + " | data " + folder(value(properties, "huma.data.dir"))
                + " | queue " + queue
                + " | outputs " + outputs(properties)
                + " | health http://" + value(properties, "huma.management.host") + ":" + value(properties, "huma.management.port")
                + "/observe/health/ready";
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
        for (String event : EVENTS) {
            String uris = value(properties, "huma.output." + event + ".uri");
            String masked = ResultDelivery.split(uris).stream().map(EndpointMasking::mask).collect(Collectors.joining(" + "));
            byDestinations.computeIfAbsent(masked, key -> new java.util.ArrayList<>()).add(event);
        }
        return byDestinations.entrySet().stream()
                .map(entry -> String.join(", ", entry.getValue()) + " -> " + entry.getKey())
                .collect(Collectors.joining("; "));
    }

    private static String folder(String folder) {
        return Path.of(folder).toAbsolutePath().normalize().toString();
    }

    private static String value(PropertiesComponent properties, String key) {
        return properties.resolveProperty(key).orElse("").strip();
    }
}

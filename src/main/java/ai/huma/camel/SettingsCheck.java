package ai.huma.camel;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;

/**
 * Every setting checked before the bundle is built, so that a start that cannot work fails with all
 * its problems in one message rather than with the first bean that refuses its value. Where a bean
 * checks a setting, the check here is that bean's own setter (the rule lives in one place; the bean
 * still checks when the routes run in another launcher); the numbers no bean checks get their
 * bounds here. Messages name the setting and never its value when that may be a secret.
 */
final class SettingsCheck {

    private static final java.util.regex.Pattern PLACEHOLDER = java.util.regex.Pattern.compile("\\{\\{([^{}]+)}}");

    private final CamelContext context;
    private final PropertiesComponent properties;
    private final List<String> problems = new ArrayList<>();

    private SettingsCheck(CamelContext context) {
        this.context = context;
        this.properties = context.getPropertiesComponent();
    }

    /** The problems of the settings as this context's properties resolve them; empty when none. */
    static List<String> problems(CamelContext context) {
        return new SettingsCheck(context).run();
    }

    private List<String> run() {
        // the secrets and the API first: what a new user is most likely to have missed
        HumaApi api = new HumaApi();
        text("huma.api.url", api::setUrl);
        text("huma.api.secret-key", api::setSecretKey);
        text("huma.callback.token", new WebhookAuthorization()::setSecrets);
        text("huma.download.allowed-hosts", api::setAllowedDownloadHosts);
        text("huma.callback.allowed-sources", new SourceAllowList()::setAllowedSources);

        WebhookServer server = new WebhookServer();
        notBlank("huma.host");
        whole("huma.port", 0, 65535, port -> server.setPort((int) port));
        whole("huma.http.max-body-size", 1, Long.MAX_VALUE, server::setMaxBodySize);
        whole("huma.http.idle-timeout", 1, Integer.MAX_VALUE, seconds -> server.setIdleTimeout((int) seconds));
        whole("huma.http.request-read-timeout", 1, Integer.MAX_VALUE, seconds -> server.setRequestReadTimeout((int) seconds));
        whole("huma.http.max-connections", 1, Integer.MAX_VALUE, n -> server.setMaxConnections((int) n));
        whole("huma.http.worker-threads", 1, 1000, n -> server.setWorkerThreads((int) n));
        whole("huma.http.warm-up-requests", 0, Integer.MAX_VALUE, n -> server.setWarmUpRequests((int) n));
        whole("huma.http.max-json-depth", 1, Integer.MAX_VALUE, n -> new WebhookBodyCheck().setMaxDepth((int) n));
        whole("huma.http.retry-after", 0, Integer.MAX_VALUE, null);
        notBlank("huma.management.host");
        whole("huma.management.port", 0, 65535, null);

        whole("huma.api.timeout", 1, Long.MAX_VALUE, calls("huma.api.timeout", "huma.api.max-answer-size")::setTimeout);
        whole("huma.api.max-answer-size", 1, Long.MAX_VALUE, calls("huma.api.timeout", "huma.api.max-answer-size")::setMaxSize);
        whole("huma.download.timeout", 1, Long.MAX_VALUE, calls("huma.download.timeout", "huma.download.max-size")::setTimeout);
        whole("huma.download.max-size", 1, Long.MAX_VALUE, calls("huma.download.timeout", "huma.download.max-size")::setMaxSize);
        whole("huma.api.max-concurrent-calls", 1, Integer.MAX_VALUE, null);
        notBlank("huma.download.uri");

        BatchPages pages = new BatchPages();
        whole("huma.pages.start", 1, Integer.MAX_VALUE, n -> pages.setStartPage((int) n));
        whole("huma.pages.max", 1, Integer.MAX_VALUE, n -> pages.setMaxPages((int) n));
        whole("huma.pages.limit", 1, Integer.MAX_VALUE, null);
        whole("huma.pages.pause", 0, Long.MAX_VALUE, null);
        whole("huma.result.max-size", 1, Long.MAX_VALUE, pages::setMaxResultSize);

        whole("huma.retry.max-redeliveries", 0, Integer.MAX_VALUE, null);
        whole("huma.retry.initial-delay", 0, Long.MAX_VALUE, null);
        decimal("huma.retry.backoff-multiplier", 1);
        whole("huma.retry.max-delay", 0, Long.MAX_VALUE, new RedeliveryAdvisor()::setMaxDelay);
        whole("huma.shutdown.timeout", 1, Integer.MAX_VALUE, null);

        ExpiringFileIdempotentRepository deliveries = new ExpiringFileIdempotentRepository();
        text("huma.dedup.window", deliveries::setWindow);
        whole("huma.dedup.max-entries", 1, Integer.MAX_VALUE, n -> deliveries.setMaxEntries((int) n));

        notBlank("huma.output.dir");
        notBlank("huma.data.dir");
        notBlank("huma.dead-letter.uri");
        notBlank("huma.replay.dir");
        ResultDelivery delivery = new ResultDelivery();
        delivery.setCamelContext(context);
        for (String event : List.of("question", "subscription", "history")) {
            String key = "huma.output." + event + ".uri";
            text(key, uris -> delivery.checkDestinations(key, uris));
        }

        queues();

        bool("huma.health.api-check.enabled");
        bool("huma.health.api-check.blocking");
        whole("huma.health.api-check.interval", 1, Long.MAX_VALUE, null);
        return problems;
    }

    /** The queue mode, then (only when the mode is valid: else each would only repeat it) the queues it names. */
    private void queues() {
        String mode = value("huma.queue.mode");
        if (mode == null) {
            return;
        }
        int before = problems.size();
        check("huma.queue.mode", () -> new QueueBroker().setMode(mode));
        whole("huma.queue.size", 1, Integer.MAX_VALUE, null);
        whole("huma.broker.duplicate-id-cache-size", 1, Integer.MAX_VALUE, null);
        if (problems.size() > before) {
            return;
        }
        if (mode.strip().equalsIgnoreCase("broker") && isBlank(value("huma.broker.url"))) {
            problems.add("huma.queue.mode=broker needs huma.broker.url (HUMA_BROKER_URL), e.g. tcp://broker.example.com:61616");
        }
        for (String event : List.of("question", "subscription", "history")) {
            notBlank("huma.queue." + event + ".uri");
        }
    }

    private static BoundedHttpCalls calls(String timeoutProperty, String maxSizeProperty) {
        BoundedHttpCalls calls = new BoundedHttpCalls();
        calls.setTimeoutProperty(timeoutProperty);
        calls.setMaxSizeProperty(maxSizeProperty);
        return calls;
    }

    private void text(String key, Consumer<String> check) {
        String value = value(key);
        if (value != null) {
            check(key, () -> check.accept(value));
        }
    }

    private void notBlank(String key) {
        String value = value(key);
        if (value != null && value.isBlank()) {
            problem(key, "is empty");
        }
    }

    private void whole(String key, long min, long max, LongConsumer check) {
        String value = value(key);
        if (value == null) {
            return;
        }
        long number;
        try {
            number = Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            problem(key, "must be a whole number, not " + SafeText.quoted(value));
            return;
        }
        if (number < min || number > max) {
            problem(key, max == Long.MAX_VALUE || max == Integer.MAX_VALUE
                    ? "must be " + min + " or more, not " + number
                    : "must be between " + min + " and " + max + ", not " + number);
            return;
        }
        if (check != null) {
            check(key, () -> check.accept(number));
        }
    }

    private void decimal(String key, double min) {
        String value = value(key);
        if (value == null) {
            return;
        }
        try {
            double number = Double.parseDouble(value.strip());
            if (!(number >= min) || Double.isInfinite(number)) {
                problem(key, "must be " + min + " or more, not " + SafeText.quoted(value));
            }
        } catch (NumberFormatException e) {
            problem(key, "must be a number, not " + SafeText.quoted(value));
        }
    }

    private void bool(String key) {
        String value = value(key);
        if (value != null && !value.strip().equalsIgnoreCase("true") && !value.strip().equalsIgnoreCase("false")) {
            problem(key, "must be true or false, not " + SafeText.quoted(value));
        }
    }

    /** Runs a bean's own check of a setting; what it refuses becomes a problem. */
    private void check(String key, Runnable check) {
        try {
            check.run();
        } catch (IllegalArgumentException e) {
            problem(key, e.getMessage());
        }
    }

    /** The resolved value, or null (and a problem) when it is not set or names a property that is not. */
    private String value(String key) {
        try {
            Optional<String> value = properties.resolveProperty(key);
            if (value.isEmpty()) {
                List<String> missing = missingPlaceholders(rawValue(key));
                problem(key, missing.isEmpty() ? "is not set (application.properties or " + environmentName(key) + ")"
                        : "names a property that is not set: " + String.join(", ", missing));
                return null;
            }
            return value.get();
        } catch (IllegalArgumentException e) {
            // a {{placeholder}} in the value names a property that is not set; Camel's message names it
            problem(key, e.getMessage());
            return null;
        }
    }

    /** The value as written, before its placeholders are resolved; null when no source has the key. */
    private String rawValue(String key) {
        return properties.loadProperties(key::equals).getProperty(key);
    }

    /** The {{placeholders}} of a value that resolve to nothing; their names only, never the value itself. */
    private List<String> missingPlaceholders(String raw) {
        List<String> missing = new ArrayList<>();
        if (raw == null) {
            return missing;
        }
        java.util.regex.Matcher placeholder = PLACEHOLDER.matcher(raw);
        while (placeholder.find()) {
            String name = placeholder.group(1).strip();
            if (!name.contains(":") && properties.resolveProperty(name).isEmpty()) {
                missing.add("{{" + name + "}}");
            }
        }
        return missing;
    }

    /** A bean's message names its setting (key or variable) already; other messages get the key in front. */
    private void problem(String key, String message) {
        String text = message == null ? "is not valid" : message;
        if (text.contains(key) || text.matches("(?s)^[A-Z_]+ .*")) {
            problems.add(text);
        } else {
            String name = key + " (" + environmentName(key) + ")";
            problems.add(text.matches("(is|must|names) .*") ? name + " " + text : name + ": " + text);
        }
    }

    /** The environment variable that overrides a property: huma.http.max-body-size -> HUMA_HTTP_MAX_BODY_SIZE. */
    static String environmentName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }
}

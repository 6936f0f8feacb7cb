package ai.huma.camel;

import ai.huma.camel.event.HumaEvent;

import ai.huma.camel.settings.SafeText;

import ai.huma.camel.settings.InvalidSettingsException;

import ai.huma.camel.queue.QueueBroker;

import ai.huma.camel.deliver.ResultDelivery;
import ai.huma.camel.edge.SourceAllowList;
import ai.huma.camel.edge.WebhookAuthorization;
import ai.huma.camel.edge.WebhookBodyCheck;
import ai.huma.camel.failure.RedeliveryAdvisor;
import ai.huma.camel.fetch.BatchPages;
import ai.huma.camel.fetch.BoundedHttpCalls;
import ai.huma.camel.fetch.HumaApi;
import ai.huma.camel.queue.ExpiringFileIdempotentRepository;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.spi.PropertiesComponent;

/**
 * Every {@code huma.*} setting checked before the bundle's beans are built, so that a start that
 * cannot work fails with all its problems in one message ({@link InvalidSettingsException}) rather
 * than with the first bean that refuses its value. It is the first bean of
 * {@code huma-beans.camel.yaml} ({@code humaSettingsCheck}, {@link #check()}), so it runs in every
 * host; the standalone jar adds the settings of its own server ({@code ai.huma.camel.runtime}) to
 * the same list before anything starts. Where a bean checks a setting, the check here is that bean's
 * own setter (the rule lives in one place); the numbers no bean checks get their bounds here.
 * Messages name the setting and never its value when that may be a secret.
 */
public class SettingsCheck implements CamelContextAware {

    private static final java.util.regex.Pattern PLACEHOLDER = java.util.regex.Pattern.compile("\\{\\{([^{}]+)}}");

    private CamelContext context;
    private PropertiesComponent properties;
    private final List<String> problems = new ArrayList<>();

    /** As the bean {@code humaSettingsCheck}: the context comes from Camel, {@link #check()} runs. */
    public SettingsCheck() {
    }

    /** A check of this context's settings, for a launcher that adds checks of its own. */
    public SettingsCheck(CamelContext context) {
        setCamelContext(context);
    }

    @Override
    public void setCamelContext(CamelContext context) {
        this.context = context;
        this.properties = context.getPropertiesComponent();
    }

    @Override
    public CamelContext getCamelContext() {
        return context;
    }

    /** The bean's init method: the library's settings, every problem in one exception. */
    public void check() {
        List<String> found = new SettingsCheck(context).library().problems();
        if (!found.isEmpty()) {
            throw new InvalidSettingsException(found);
        }
    }

    /** The problems found so far; empty when none. */
    public List<String> problems() {
        return problems;
    }

    /** Checks the library's settings (every huma.* key but those of the standalone jar's server). */
    public SettingsCheck library() {
        // the secrets and the API first: what a new user is most likely to have missed
        HumaApi api = new HumaApi();
        text("huma.api.url", api::setUrl);
        text("huma.api.secret-key", api::setSecretKey);
        text("huma.callback.token", new WebhookAuthorization()::setSecrets);
        text("huma.download.allowed-hosts", api::setAllowedDownloadHosts);
        text("huma.callback.allowed-sources", new SourceAllowList()::setAllowedSources);

        pathPrefix("huma.http.path-prefix");
        whole("huma.http.max-body-size", 1, Long.MAX_VALUE, new WebhookBodyCheck()::setMaxBodySize);
        whole("huma.http.max-json-depth", 1, Integer.MAX_VALUE, n -> new WebhookBodyCheck().setMaxDepth((int) n));
        whole("huma.http.retry-after", 0, Integer.MAX_VALUE, null);

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

        ExpiringFileIdempotentRepository deliveries = new ExpiringFileIdempotentRepository();
        text("huma.dedup.window", deliveries::setWindow);
        whole("huma.dedup.max-entries", 1, Integer.MAX_VALUE, n -> deliveries.setMaxEntries((int) n));

        notBlank("huma.output.dir");
        notBlank("huma.data.dir");
        notBlank("huma.dead-letter.uri");
        notBlank("huma.replay.dir");
        ResultDelivery delivery = new ResultDelivery();
        delivery.setCamelContext(context);
        for (HumaEvent event : HumaEvent.values()) {
            String key = event.outputSetting();
            text(key, uris -> delivery.checkDestinations(key, uris));
        }

        queues();

        notBlank("huma.inbox.uri");
        notBlank("huma.tickets.dir");
        whole("huma.reconcile.after", 1, Long.MAX_VALUE, null);
        whole("huma.reconcile.interval", 1, Long.MAX_VALUE, null);
        whole("huma.reconcile.give-up", 1, Long.MAX_VALUE, null);

        bool("huma.health.api-check.enabled");
        bool("huma.health.api-check.blocking");
        whole("huma.health.api-check.interval", 1, Long.MAX_VALUE, null);
        return this;
    }

    /** Empty, or a path that starts with / and does not end with one (/huma). */
    private void pathPrefix(String key) {
        String value = value(key);
        if (value != null && !value.isEmpty() && (!value.startsWith("/") || value.endsWith("/") || value.contains("//")
                || !value.matches("[A-Za-z0-9/._~-]+"))) {
            problem(key, "must be empty or a path such as /huma (starting with /, not ending with one), not "
                    + SafeText.quoted(value));
        }
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
        bool("huma.journal.sync");
        whole("huma.broker.duplicate-id-cache-size", 1, Integer.MAX_VALUE, null);
        if (problems.size() > before) {
            return;
        }
        QueueBroker broker = new QueueBroker();
        broker.setMode(mode);
        String missing = broker.missingLibrariesProblem();
        if (missing != null) {
            problems.add(missing);
        }
        if (mode.strip().equalsIgnoreCase("broker") && isBlank(value("huma.broker.url"))) {
            problems.add("huma.queue.mode=broker needs huma.broker.url (HUMA_BROKER_URL), e.g. tcp://broker.example.com:61616");
        }
        if (mode.strip().equalsIgnoreCase("kafka") && isBlank(value("huma.kafka.brokers"))) {
            problems.add("huma.queue.mode=kafka needs huma.kafka.brokers (HUMA_KAFKA_BROKERS), "
                    + "e.g. kafka-1.example.com:9092,kafka-2.example.com:9092");
        }
        for (HumaEvent event : HumaEvent.values()) {
            notBlank(event.queueSetting());
        }
    }

    private static BoundedHttpCalls calls(String timeoutProperty, String maxSizeProperty) {
        BoundedHttpCalls calls = new BoundedHttpCalls();
        calls.setTimeoutProperty(timeoutProperty);
        calls.setMaxSizeProperty(maxSizeProperty);
        return calls;
    }

    public void text(String key, Consumer<String> check) {
        String value = value(key);
        if (value != null) {
            check(key, () -> check.accept(value));
        }
    }

    public void notBlank(String key) {
        String value = value(key);
        if (value != null && value.isBlank()) {
            problem(key, "is empty");
        }
    }

    public void whole(String key, long min, long max, LongConsumer check) {
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

    public void bool(String key) {
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
    public void problem(String key, String message) {
        String text = message == null ? "is not valid" : message;
        if (text.contains(key) || text.matches("(?s)^[A-Z_]+ .*")) {
            problems.add(text);
        } else {
            String name = key + " (" + environmentName(key) + ")";
            problems.add(text.matches("(is|must|names) .*") ? name + " " + text : name + ": " + text);
        }
    }

    /** The environment variable that overrides a property: huma.http.max-body-size -> HUMA_HTTP_MAX_BODY_SIZE. */
    public static String environmentName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }
}

package ai.huma.camel;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.function.Predicate;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Ordered;
import org.apache.camel.component.properties.PropertiesParser;
import org.apache.camel.spi.LoadablePropertiesSource;

/**
 * The defaults of every {@code huma.*} setting, so that the routes resolve in any Camel host with
 * nothing more than the three secrets set: the project's top-level {@code application.properties},
 * built into the jar as {@value #LOCATION}. Camel consults this source last, after every setting of
 * the host (its properties files, the environment, system properties), and it answers only for keys
 * in the {@code huma.} namespace: it never sets or changes a {@code camel.*} key of the host.
 * <p>
 * A host that resolves properties its own way (Spring Boot: Camel asks Spring's environment only
 * after every Camel source) is asked first: when it has the key, this source steps aside, so that a
 * {@code huma.*} line in the host's {@code application.properties} or {@code application.yml} wins.
 * <p>
 * Added to every CamelContext by {@link HumaCamelPlugin}.
 */
public class HumaDefaults implements LoadablePropertiesSource, Ordered, CamelContextAware {

    /** Where the defaults are in the jar: the library's own namespace, never the class-path root. */
    public static final String LOCATION = "ai/huma/camel/application.properties";
    /** The name of this source, and of its bean in the Camel registry. */
    public static final String NAME = "humaDefaults";
    static final String NAMESPACE = "huma.";

    private final Properties defaults;
    private CamelContext camelContext;

    public HumaDefaults() {
        this(load());
    }

    HumaDefaults(Properties defaults) {
        this.defaults = defaults;
    }

    private static Properties load() {
        Properties properties = new Properties();
        try (InputStream in = HumaDefaults.class.getClassLoader().getResourceAsStream(LOCATION)) {
            if (in == null) {
                throw new IllegalStateException(LOCATION + " is missing from the huma-camel jar");
            }
            properties.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + LOCATION, e);
        }
        properties.stringPropertyNames().stream().filter(key -> !key.startsWith(NAMESPACE)).forEach(properties::remove);
        return properties;
    }

    @Override
    public String getName() {
        return NAME;
    }

    /** Last of all sources. */
    @Override
    public int getOrder() {
        return Ordered.LOWEST;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    @Override
    public String getProperty(String name) {
        String value = defaults.getProperty(name);
        if (value == null || hostHas(name)) {
            return null;
        }
        return value;
    }

    @Override
    public Properties loadProperties() {
        return loadProperties(key -> true);
    }

    @Override
    public Properties loadProperties(Predicate<String> filter) {
        Properties answer = new Properties();
        defaults.stringPropertyNames().stream().filter(filter).filter(key -> !hostHas(key))
                .forEach(key -> answer.setProperty(key, defaults.getProperty(key)));
        return answer;
    }

    @Override
    public void reloadProperties(String location) {
        // built into the jar: nothing to reload
    }

    /** The keys this source has a default for. */
    public java.util.Set<String> keys() {
        return defaults.stringPropertyNames();
    }

    /** True when the host's own lookup (Spring's environment, ...) has this key. */
    private boolean hostHas(String name) {
        if (camelContext == null
                || !(camelContext.getPropertiesComponent() instanceof org.apache.camel.component.properties.PropertiesComponent pc)) {
            return false;
        }
        PropertiesParser parser = pc.getPropertiesParser();
        return parser != null && parser.customLookup(name) != null;
    }

    @Override
    public String toString() {
        return "huma-camel defaults (classpath:" + LOCATION + ")";
    }
}

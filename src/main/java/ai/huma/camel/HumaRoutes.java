package ai.huma.camel;

import java.io.IOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.RouteConfigurationsBuilder;
import org.apache.camel.RoutesBuilder;
import ai.huma.camel.event.HumaEvent;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;

/**
 * The bundle's routes, as one Camel {@link RoutesBuilder}: the YAML files of the project's top-level
 * {@code routes/}, built into the jar in {@value #FOLDER}. {@link HumaCamelPlugin} puts it in the
 * Camel registry, where the routes collector of Camel Main and of Camel Spring Boot finds it
 * ({@code camel.main.routes-collector-enabled}, on by default), so a host loads the routes without a
 * route pattern of its own, whatever its {@code camel.main.routes-include-pattern} says. They are
 * not in {@code camel/}, the folder of a host's own routes: Camel Spring Boot 4.18 cannot load a
 * fat jar whose {@code camel/} folder is in two places.
 * <p>
 * {@value #EXCLUDE_PROPERTY} switches built-in files off (comma-separated file names, with or
 * without {@code .camel.yaml}); a launcher that brings files of the same names loads those instead
 * ({@link #replace}). The files are listed from the jar's table of contents (Camel would scan a
 * {@code classpath:} wildcard by reading the whole jar), the wildcard being the fallback.
 */
public class HumaRoutes implements RoutesBuilder, RouteConfigurationsBuilder, CamelContextAware {

    /** Where the route files are in the jar. */
    public static final String FOLDER = "huma-camel/";
    /** Its name in the Camel registry. */
    public static final String NAME = "humaRoutes";
    /** Built-in route files not to load, comma-separated. */
    public static final String EXCLUDE_PROPERTY = "huma.routes.exclude";
    public static final String EXTENSION = ".camel.yaml";

    private CamelContext camelContext;
    private final Set<String> replaced = new LinkedHashSet<>();
    private List<RoutesBuilder> builders;

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** Built-in files that a launcher replaces with files of its own of the same names. */
    public void replace(Collection<String> fileNames) {
        replaced.addAll(fileNames);
    }

    @Override
    public void addRouteConfigurationsToCamelContext(CamelContext context) throws Exception {
        for (RoutesBuilder builder : builders(context)) {
            if (builder instanceof RouteConfigurationsBuilder configurations) {
                configurations.addRouteConfigurationsToCamelContext(context);
            }
        }
    }

    @Override
    public void updateRouteConfigurationsToCamelContext(CamelContext context) throws Exception {
        for (RoutesBuilder builder : builders(context)) {
            if (builder instanceof RouteConfigurationsBuilder configurations) {
                configurations.updateRouteConfigurationsToCamelContext(context);
            }
        }
    }

    @Override
    public void addRoutesToCamelContext(CamelContext context) throws Exception {
        for (RoutesBuilder builder : builders(context)) {
            builder.addRoutesToCamelContext(context);
        }
    }

    @Override
    public void addTemplatedRoutesToCamelContext(CamelContext context) throws Exception {
        for (RoutesBuilder builder : builders(context)) {
            builder.addTemplatedRoutesToCamelContext(context);
        }
    }

    @Override
    public Set<String> updateRoutesToCamelContext(CamelContext context) throws Exception {
        Set<String> updated = new LinkedHashSet<>();
        for (RoutesBuilder builder : builders(context)) {
            updated.addAll(builder.updateRoutesToCamelContext(context));
        }
        return updated;
    }

    /** The route files loaded, in the order they are loaded (the beans first). */
    public List<String> fileNames(CamelContext context) {
        List<String> all = builtInFiles(HumaRoutes.class.getClassLoader());
        if (all == null) {
            return List.of();
        }
        Set<String> off = new LinkedHashSet<>(replaced);
        for (String name : context.getPropertiesComponent().resolveProperty(EXCLUDE_PROPERTY).orElse("").split(",")) {
            String file = name.strip().toLowerCase(Locale.ROOT);
            if (!file.isEmpty()) {
                off.add(file.endsWith(EXTENSION) ? file : file + EXTENSION);
            }
        }
        List<String> loaded = new ArrayList<>(all.stream().filter(name -> !off.contains(name)).toList());
        // the beans file first, so that its settings check runs before any other bean is made
        loaded.sort((a, b) -> Boolean.compare(!a.contains("beans"), !b.contains("beans")));
        return loaded;
    }

    private synchronized List<RoutesBuilder> builders(CamelContext context) throws Exception {
        if (builders == null) {
            List<Resource> resources = new ArrayList<>();
            if (builtInFiles(HumaRoutes.class.getClassLoader()) == null) {
                resources.addAll(PluginHelper.getPackageScanResourceResolver(context)
                        .findResources("classpath:" + FOLDER + "*" + EXTENSION));
            } else {
                for (String name : fileNames(context)) {
                    resources.add(ResourceHelper.resolveMandatoryResource(context, "classpath:" + FOLDER + name));
                }
            }
            builders = new ArrayList<>(PluginHelper.getRoutesLoader(context).findRoutesBuilders(resources));
            builders.add(new EventRoutes());
        }
        return builders;
    }

    /**
     * The webhook route and the worker route of each event of {@link HumaEvent}, made from the route
     * templates {@code huma-webhook} (huma-edge.camel.yaml) and {@code huma-worker}
     * (huma-workers.camel.yaml); a template that is not there (its file switched off or replaced by
     * one without it) makes no routes.
     */
    static final class EventRoutes extends RouteBuilder {

        static final String WEBHOOK_TEMPLATE = "huma-webhook";
        static final String WORKER_TEMPLATE = "huma-worker";

        @Override
        public void configure() {
            // nothing here: the templated routes are added once every template is in the context
        }

        @Override
        public void addTemplatedRoutesToCamelContext(CamelContext context) throws Exception {
            ModelCamelContext model = (ModelCamelContext) context;
            for (HumaEvent event : HumaEvent.values()) {
                if (model.getRouteTemplateDefinition(WEBHOOK_TEMPLATE) != null) {
                    TemplatedRouteBuilder.builder(context, WEBHOOK_TEMPLATE).routeId(event.webhookRouteId())
                            .parameter("event", event.key())
                            .parameter("name", event.eventName())
                            .parameter("path", event.path())
                            .add();
                }
                if (model.getRouteTemplateDefinition(WORKER_TEMPLATE) != null) {
                    TemplatedRouteBuilder.builder(context, WORKER_TEMPLATE).routeId(event.workerRouteId())
                            .parameter("event", event.key())
                            .parameter("name", event.eventName())
                            .parameter("fetch", event.paged() ? "pages" : "visual")
                            .add();
                }
            }
        }
    }

    /**
     * The built-in route files by name, sorted, or null when they cannot be listed (then Camel's
     * wildcard finds them).
     */
    public static List<String> builtInFiles(ClassLoader loader) {
        URL folder = loader.getResource(FOLDER);
        List<String> names = new ArrayList<>();
        try {
            if (folder != null && folder.getProtocol().equals("jar")) {
                JarURLConnection connection = (JarURLConnection) folder.openConnection();
                connection.setUseCaches(false); // a JarFile of our own, closed below; the class loader's stays open
                try (JarFile jar = connection.getJarFile()) {
                    jar.stream().map(JarEntry::getName)
                            .filter(name -> name.startsWith(FOLDER) && name.indexOf('/', FOLDER.length()) < 0)
                            .map(name -> name.substring(FOLDER.length()))
                            .forEach(names::add);
                }
            } else if (folder != null && folder.getProtocol().equals("file")) {
                try (Stream<Path> files = Files.list(Path.of(folder.toURI()))) {
                    files.map(file -> file.getFileName().toString()).forEach(names::add);
                }
            }
        } catch (IOException | URISyntaxException | RuntimeException e) {
            return null;
        }
        List<String> routes = names.stream().filter(name -> name.endsWith(EXTENSION)).sorted().toList();
        return routes.isEmpty() ? null : routes;
    }

    @Override
    public String toString() {
        return "huma-camel routes (classpath:" + FOLDER + "*" + EXTENSION + ")";
    }
}

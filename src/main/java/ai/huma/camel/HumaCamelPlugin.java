package ai.huma.camel;

import ai.huma.camel.observe.RouteLogEscaping;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.ContextServicePlugin;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.PropertiesSource;

/**
 * What the library adds to every CamelContext of a host that has it on its class path (Camel finds
 * it through {@code META-INF/services/org.apache.camel.spi.ContextServicePlugin}), before any route
 * is loaded, and nothing else:
 * <ul>
 * <li>{@link HumaDefaults}, the defaults of the {@code huma.*} settings, as the last properties
 * source: in the context's properties component, and in its registry for a properties component
 * that replaces it later (Camel Spring Boot does);</li>
 * <li>{@link HumaRoutes}, the bundle's routes (and their beans), in the registry, where the host's
 * routes collector finds them;</li>
 * <li>{@link RouteLogEscaping}: the log steps of the bundle's own routes write what came from
 * outside escaped, whatever logging the host has.</li>
 * </ul>
 */
public class HumaCamelPlugin implements ContextServicePlugin {

    @Override
    public void load(CamelContext camelContext) {
        HumaDefaults defaults = new HumaDefaults();
        defaults.setCamelContext(camelContext);
        camelContext.getRegistry().bind(HumaDefaults.NAME, defaults);
        PropertiesComponent properties = camelContext.getPropertiesComponent();
        boolean present = properties.getPropertiesSources().stream().map(PropertiesSource::getName)
                .anyMatch(HumaDefaults.NAME::equals);
        if (!present) {
            properties.addPropertiesSource(defaults);
        }
        HumaRoutes routes = new HumaRoutes();
        routes.setCamelContext(camelContext);
        camelContext.getRegistry().bind(HumaRoutes.NAME, routes);
        camelContext.getCamelContextExtension().addLogListener(new RouteLogEscaping());
    }
}

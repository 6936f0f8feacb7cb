package ai.huma.camel;

import org.apache.camel.CamelContext;
import org.apache.camel.ExtendedStartupListener;

/**
 * Start-up work of a bean that {@code routes/huma-beans.camel.yaml} declares, done once, by the
 * instance in the Camel registry: Camel Main makes every YAML bean twice (a pre-parse for the beans,
 * then the real load), and the routes use the registry's. The beans call it from their init method.
 */
public final class RegisteredBean {

    /** The work, given the context. */
    @FunctionalInterface
    public interface Step {
        void run(CamelContext context) throws Exception;
    }

    private RegisteredBean() {
    }

    /** When the context starts, before any route takes a message. */
    public static void whenStarting(CamelContext context, String name, Object bean, Step step) throws Exception {
        context.addStartupListener(new ExtendedStartupListener() {
            @Override
            public void onCamelContextStarting(CamelContext starting, boolean alreadyStarted) throws Exception {
                if (starting.getRegistry().lookupByName(name) == bean) {
                    step.run(starting);
                }
            }

            @Override
            public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
                // done while starting
            }
        });
    }

    /** Once every route runs. */
    public static void whenFullyStarted(CamelContext context, String name, Object bean, Step step) throws Exception {
        context.addStartupListener(new ExtendedStartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
                // the routes are not all running yet
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext started, boolean alreadyStarted) throws Exception {
                if (started.getRegistry().lookupByName(name) == bean) {
                    step.run(started);
                }
            }
        });
    }
}

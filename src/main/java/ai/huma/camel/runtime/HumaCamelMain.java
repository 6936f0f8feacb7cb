package ai.huma.camel.runtime;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import ai.huma.camel.HumaRoutes;
import ai.huma.camel.settings.InvalidSettingsException;
import ai.huma.camel.ReadyLine;
import ai.huma.camel.SettingsCheck;
import ai.huma.camel.runtime.tracing.RuntimeTracing;
import ai.huma.camel.simulator.SimulatorCommands;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupSummaryLevel;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.util.ObjectHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * The standalone jar's entry point: a thin host of the library, as a Spring Boot or Camel Main
 * application of a team's own would be, that adds what such a host has of its own: an HTTP server
 * with the limits of a server facing the internet ({@link WebhookServer}), a management port with
 * health and Prometheus metrics (runtime.properties), a stop on SIGTERM with the drain, one ready
 * line, and the settings and routes of a home folder. Without a command it runs the bundle with
 * Camel Main; {@code demo} runs it
 * against a simulated Huma API; {@code simulator} and {@code simulate} run the simulator alone or
 * fire one webhook at a running bundle; {@code --help} says so ({@link #USAGE}). The settings and
 * routes are built in and may be overridden from the working directory or {@code HUMA_HOME}
 * ({@link BundleLocations}). Every setting is checked before anything starts, and all problems are
 * reported at once ({@link SettingsCheck}); once the webhook receiver is warm, one line says the
 * bundle is ready and how it is set up ({@link ReadyLine}).
 */
public final class HumaCamelMain {

    static final String USAGE = """
            huma-camel: receives Huma's webhooks and fetches what they announce (Apache Camel route bundle).

            Usage: java [JVM options] -jar huma-camel.jar [command]

              (no command)      run the bundle: webhooks on huma.port (5001), results to huma.output.dir (output/)
              demo              run the bundle against a simulated Huma API, no account needed, and send it one
                                webhook of each kind, then ask it two questions through its inbox (data/inbox/), one
                                of them fetched by the reconciliation: the results appear in output/ within seconds;
                                Ctrl+C stops it
              simulator [port]  run the simulated Huma API alone (port 18081 by default) and print its API_URL and
                                API_SECRET_KEY (the key is API_SECRET_KEY's when the environment sets one)
              simulate question|subscription|history [--url URL] [--token TOKEN] [--id ID] [--question TEXT]
                                send one webhook of that kind to a running bundle, or to a host of the library (URL:
                                http://localhost:5001, with huma.http.path-prefix if one is set; TOKEN: API_CALLBACK_AUTH
                                from the environment or .env), with a new id unless --id is given
              training-run      the run that writes the class-data archive, under
                                java -XX:ArchiveClassesAtExit=huma-camel.jsa (the build does it; docs/operations.md):
                                the demo on free ports and in a temporary folder until its results are written
              --help            this text

            Settings: API_URL, API_SECRET_KEY and API_CALLBACK_AUTH come from the environment or a .env file. Every
            other setting is a property with its default in the application.properties built into the jar; an
            environment variable overrides it (huma.output.dir <- HUMA_OUTPUT_DIR). In the working directory, or in
            the folder named by HUMA_HOME: an application.properties overrides the built-in properties key by key,
            and the *.camel.yaml files of a routes/ folder are loaded beside the built-in routes (a file named as a
            built-in one, such as huma-deliver.camel.yaml, replaces it).

            Exit codes: 0 stopped cleanly (SIGTERM, Ctrl+C); 1 did not start (every missing or invalid setting is
            listed) or failed; 2 the command line was not understood.
            """;

    private static final Logger LOG = LoggerFactory.getLogger(HumaCamelMain.class);
    private static final int USAGE_ERROR = SimulatorCommands.USAGE;

    private HumaCamelMain() {
    }

    public static void main(String[] args) {
        int exitCode;
        try {
            exitCode = run(Arrays.asList(args), System.out, System.err);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exitCode = 1;
        } catch (Exception e) {
            e.printStackTrace();
            exitCode = 1;
        }
        System.exit(exitCode);
    }

    static int run(List<String> args, PrintStream out, PrintStream err) throws Exception {
        String command = args.isEmpty() ? "" : args.get(0);
        List<String> rest = args.isEmpty() ? List.of() : args.subList(1, args.size());
        SimulatorCommands simulator = new SimulatorCommands(System::getenv, out, err);
        switch (command) {
            case "", "run" -> {
                return rest.isEmpty() ? runBundle(null, err) : usageError(err, "run takes no arguments");
            }
            case "demo" -> {
                if (!rest.isEmpty()) {
                    return usageError(err, "demo takes no arguments");
                }
                try (DemoMode demo = DemoMode.start()) {
                    return runBundle(demo, err);
                }
            }
            case "training-run" -> {
                if (!rest.isEmpty()) {
                    return usageError(err, "training-run takes no arguments");
                }
                try (DemoMode demo = DemoMode.start().stoppingOnceWorked()) {
                    return runBundle(demo, err);
                }
            }
            case "simulator" -> {
                return simulator.simulator(rest);
            }
            case "simulate" -> {
                return simulator.simulate(rest);
            }
            case "-h", "--help", "help" -> {
                out.print(USAGE);
                return 0;
            }
            default -> {
                return usageError(err, "unknown command: " + command);
            }
        }
    }

    private static int usageError(PrintStream err, String problem) {
        err.println("huma-camel: " + problem);
        err.println();
        err.print(USAGE);
        return USAGE_ERROR;
    }

    /**
     * A Camel Main set up as the standalone jar runs the library: the runtime's Camel settings, the
     * home folder's settings and routes, every setting checked before anything is built, and the
     * webhook server installed before the routes. Also what a test starts a second bundle with.
     *
     * @param locations where the settings and routes come from
     * @param banner    said in the first log line after "Starting huma-camel on Apache Camel x.y.z"
     */
    public static Main newMain(BundleLocations locations, String banner) {
        Main main = new Main();
        // one line for the routes' start (and one for their stop), not one per route; a
        // camel.main.startup-summary-level in the properties still wins
        main.configure().setStartupSummaryLevel(StartupSummaryLevel.Oneline);
        main.setPropertyPlaceholderLocations(locations.propertiesLocations());
        // the lowest precedence: a huma.routes in a properties file or HUMA_ROUTES wins
        main.addInitialProperty("huma.routes", locations.routesPattern());
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void beforeConfigure(BaseMainSupport support) {
                CamelContext context = support.getCamelContext();
                List<String> problems = new ArrayList<>(locations.problems());
                // the library's settings first (the secrets lead: what a new user most likely missed),
                // then the server's
                SettingsCheck settings = new SettingsCheck(context).library();
                RuntimeSettings.check(settings);
                problems.addAll(settings.problems());
                if (!problems.isEmpty()) {
                    throw new InvalidSettingsException(problems);
                }
                LOG.info("Starting huma-camel on Apache Camel {}{}: {}", context.getVersion(), banner, locations.describe());
                HumaRoutes routes = context.getRegistry().lookupByNameAndType(HumaRoutes.NAME, HumaRoutes.class);
                if (routes != null) {
                    routes.replace(locations.replacedRoutes());
                }
                // traces, when OTEL_EXPORTER_OTLP_ENDPOINT asks for them (docs/operations.md "Traces"): before
                // the routes are built
                RuntimeTracing.install(context);
                try {
                    WebhookServer.install(context);
                } catch (Exception e) {
                    throw new IllegalStateException("Cannot set up the webhook receiver: " + e.getMessage(), e);
                }
                try {
                    OperatorPage.install(context);
                } catch (Exception e) {
                    throw new IllegalStateException("Cannot set up the operator page: " + e.getMessage(), e);
                }
                ManagementServerCheck.install(context);
            }
        });
        return main;
    }

    /** The settings and routes of the home folder (HUMA_HOME, else the working directory). */
    public static BundleLocations locations() {
        return BundleLocations.fromEnvironment(System::getenv);
    }

    /** Runs the bundle until it is stopped; 0 after a clean stop, 1 when it could not start. */
    private static int runBundle(DemoMode demo, PrintStream err) throws Exception {
        Main main = newMain(locations(), demo != null ? " (demo: simulated Huma API)" : "");
        if (demo != null) {
            demo.overrides().forEach(main::addOverrideProperty);
        }
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void afterStart(BaseMainSupport support) {
                whenReady(support.getCamelContext(), demo, main);
            }
        });
        stopGracefullyOn(main, "TERM");
        stopGracefullyOn(main, "INT");
        try {
            return main.run(new String[0]);
        } catch (RuntimeException e) {
            // No "shutdown triggered by SIGTERM" from Camel's JVM hook when the process exits below:
            // marking the run completed makes that hook do nothing.
            main.completed();
            PortTakenException taken = ObjectHelper.getException(PortTakenException.class, e);
            if (taken != null) {
                // Camel has logged the stack trace; say which setting to change
                err.println("huma-camel did not start: " + taken.getMessage());
                return 1;
            }
            Throwable cause = rootCause(e);
            if (!(cause instanceof IllegalArgumentException)) {
                throw e;
            }
            // a setting is missing or wrong: say which, without a page of stack trace
            err.println("huma-camel did not start: " + cause.getMessage());
            return 1;
        }
    }

    /** Logs the ready line once the webhook receiver is warm (and, in the demo, sends its webhooks). */
    private static void whenReady(CamelContext context, DemoMode demo, Main main) {
        WebhookServer server = context.getRegistry().lookupByNameAndType(WebhookServer.NAME, WebhookServer.class);
        Runnable ready = () -> {
            int port = server != null ? server.getPort()
                    : Integer.parseInt(context.getPropertiesComponent().resolveProperty("huma.port").orElse("0"));
            LOG.info(ReadyLine.of(context.getPropertiesComponent(), port, demo != null ? " (simulated)" : "",
                    ManagementServerCheck.address(context)));
            if (demo != null) {
                List<String> results = demo.sendWebhooks(port);
                if (demo.isStoppingOnceWorked()) {
                    demo.awaitResults(context.getPropertiesComponent().resolveProperty("huma.output.dir").orElse("output"), results);
                    main.completed();
                } else {
                    demo.askThroughTheInbox(context, port);
                }
            }
        };
        if (server == null) {
            ready.run(); // routes of one's own without the webhook server: ready once started
        } else {
            server.whenReady().thenRun(ready);
        }
    }

    /**
     * SIGTERM (and Ctrl+C) ask Camel Main to finish: the routes drain within the shutdown timeout
     * and the process exits with Camel's exit code, 0 after a clean stop. Left to the JVM, the
     * signal would end the process with 143 even after a clean drain.
     */
    private static void stopGracefullyOn(Main main, String signal) {
        try {
            Signal.handle(new Signal(signal), received -> main.completed());
        } catch (IllegalArgumentException e) {
            // the signal is not available on this platform: the JVM's own handling applies
        }
    }

    private static Throwable rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }
}

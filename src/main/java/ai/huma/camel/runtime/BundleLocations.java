package ai.huma.camel.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import ai.huma.camel.settings.DotEnvPropertiesFunction;
import ai.huma.camel.HumaRoutes;

/**
 * Where the standalone jar reads its settings and its routes. Both are built into the jar (the
 * library's routes in {@code huma-camel/}, loaded by {@link HumaRoutes}, and the defaults of its
 * settings, from the project's top-level {@code routes/} and {@code application.properties}; the
 * runtime's own Camel settings in {@value #RUNTIME_PROPERTIES}), so the jar runs from any folder. The
 * home folder ({@code HUMA_HOME}, else the working directory) may change them:
 * <ul>
 * <li>{@code <home>/application.properties} overrides the built-in properties key by key (a key it
 * does not name keeps its built-in value); an environment variable overrides both;</li>
 * <li>{@code <home>/routes/*.camel.yaml} are loaded beside the built-in routes; a file with the name
 * of a built-in one ({@code huma-deliver.camel.yaml}) is loaded instead of that one;</li>
 * <li>{@code <home>/.env} is the {@code .env} file of the {@code {{dotenv:NAME}}} placeholders.</li>
 * </ul>
 * A built-in route file is switched off with {@code huma.routes.exclude}. Relative folders in the
 * settings ({@code huma.output.dir}, {@code huma.data.dir}) stay relative to the working directory.
 */
public final class BundleLocations {

    static final String HOME_VARIABLE = DotEnvPropertiesFunction.HOME_VARIABLE;
    /** The runtime's Camel settings (Camel Main, management, metrics), under its own name in the jar. */
    static final String RUNTIME_PROPERTIES = "classpath:ai/huma/camel/runtime/runtime.properties";
    /** camel.main.routes-include-pattern when the home folder has no routes of its own. */
    static final String NO_ROUTES = "false";

    private final Path home;
    private final boolean homeFromVariable;

    private BundleLocations(Path home, boolean homeFromVariable) {
        this.home = home.toAbsolutePath().normalize();
        this.homeFromVariable = homeFromVariable;
    }

    static BundleLocations fromEnvironment(Function<String, String> environment) {
        return new BundleLocations(DotEnvPropertiesFunction.home(environment), isSet(environment.apply(HOME_VARIABLE)));
    }

    Path home() {
        return home;
    }

    Path propertiesFile() {
        return home.resolve("application.properties");
    }

    Path routesFolder() {
        return home.resolve("routes");
    }

    boolean hasOwnProperties() {
        return Files.isRegularFile(propertiesFile());
    }

    boolean hasOwnRoutes() {
        return Files.isDirectory(routesFolder()) && !routeFiles().isEmpty();
    }

    /**
     * The properties locations for Camel Main. Camel looks a key up in the locations in their order and
     * takes the first value it finds, so the home folder's file comes first: it overrides key by key.
     * The library's defaults of every huma.* key come after all of them (HumaDefaults).
     */
    String propertiesLocations() {
        return hasOwnProperties() ? "file:" + propertiesFile() + "," + RUNTIME_PROPERTIES : RUNTIME_PROPERTIES;
    }

    /**
     * The routes for {@code camel.main.routes-include-pattern} (property {@code huma.routes}): the home
     * folder's route files, one by one; {@value #NO_ROUTES} when it has none (the built-in routes come
     * from {@link HumaRoutes}).
     */
    String routesPattern() {
        if (!hasOwnRoutes()) {
            return NO_ROUTES;
        }
        return String.join(",", routeFiles().stream().map(file -> "file:" + file.toAbsolutePath().normalize()).toList());
    }

    /** The names of the built-in route files that a file of the home folder's routes/ replaces. */
    List<String> replacedRoutes() {
        List<String> builtIn = HumaRoutes.builtInFiles(HumaRoutes.class.getClassLoader());
        if (builtIn == null || !hasOwnRoutes()) {
            return List.of();
        }
        return routeFiles().stream().map(file -> file.getFileName().toString()).filter(builtIn::contains).sorted().toList();
    }

    /** What is wrong with these locations; empty when nothing is. */
    List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (homeFromVariable && !Files.isDirectory(home)) {
            problems.add(HOME_VARIABLE + " is not a folder: " + home);
        }
        return problems;
    }

    /** One line for the log: where the settings and routes come from. */
    String describe() {
        List<String> replaced = replacedRoutes();
        int own = hasOwnRoutes() ? routeFiles().size() : 0;
        return "settings built in" + (hasOwnProperties() ? " + " + propertiesFile() : "")
                + ", routes built in" + (own > 0 ? " + " + own + " from " + routesFolder()
                        + (replaced.isEmpty() ? "" : " (replacing " + String.join(", ", replaced) + ")") : "");
    }

    private List<Path> routeFiles() {
        try (Stream<Path> files = Files.list(routesFolder())) {
            return files.filter(file -> file.getFileName().toString().endsWith(HumaRoutes.EXTENSION)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + routesFolder(), e);
        }
    }

    private static boolean isSet(String value) {
        return value != null && !value.isBlank();
    }
}

package ai.huma.camel.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import ai.huma.camel.HumaRoutes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class BundleLocationsTest {

    private static final String RUNTIME = "classpath:ai/huma/camel/runtime/runtime.properties";

    @TempDir
    Path home;

    @Test
    void withoutFilesOfItsOwnTheHomeUsesTheBuiltInSettingsAndRoutes() {
        BundleLocations locations = of(Map.of("HUMA_HOME", home.toString()));

        assertThat(locations.propertiesLocations()).isEqualTo(RUNTIME);
        // the built-in routes come from HumaRoutes; no route file of the home's own
        assertThat(locations.routesPattern()).isEqualTo("false");
        assertThat(locations.replacedRoutes()).isEmpty();
        assertThat(locations.problems()).isEmpty();
        assertThat(locations.describe()).isEqualTo("settings built in, routes built in");
    }

    @Test
    void itsPropertiesComeFirstSoThatTheyWinKeyByKeyAndItsRoutesAddToTheBuiltInOnes() throws Exception {
        Files.writeString(home.resolve("application.properties"), "huma.port = 8080\n");
        Path routes = Files.createDirectories(home.resolve("routes"));
        Files.writeString(routes.resolve("my-audit.camel.yaml"), "- route: {}\n");
        Files.writeString(routes.resolve("notes.txt"), "not a route");
        BundleLocations locations = of(Map.of("HUMA_HOME", home.toString()));

        assertThat(locations.propertiesLocations()).isEqualTo("file:" + home.resolve("application.properties") + "," + RUNTIME);
        assertThat(locations.routesPattern()).isEqualTo("file:" + routes.resolve("my-audit.camel.yaml").toAbsolutePath());
        assertThat(locations.replacedRoutes()).isEmpty();
        assertThat(locations.describe()).isEqualTo("settings built in + " + home.resolve("application.properties")
                + ", routes built in + 1 from " + routes);
        assertThat(locations.problems()).isEmpty();
    }

    @Test
    void aRouteFileNamedAsABuiltInOneReplacesIt() throws Exception {
        Path routes = Files.createDirectories(home.resolve("routes"));
        Files.writeString(routes.resolve("huma-deliver.camel.yaml"), "- route: {}\n");
        Files.writeString(routes.resolve("my-audit.camel.yaml"), "- route: {}\n");
        BundleLocations locations = of(Map.of("HUMA_HOME", home.toString()));

        assertThat(locations.replacedRoutes()).containsExactly("huma-deliver.camel.yaml");
        assertThat(locations.routesPattern().split(",")).containsExactly(
                "file:" + routes.resolve("huma-deliver.camel.yaml").toAbsolutePath(),
                "file:" + routes.resolve("my-audit.camel.yaml").toAbsolutePath());
        assertThat(locations.describe()).endsWith("routes built in + 2 from " + routes + " (replacing huma-deliver.camel.yaml)");
    }

    @Test
    void anEmptyRoutesFolderAddsNothingAndAHomeThatIsNoFolderIsAProblem() throws Exception {
        Files.createDirectories(home.resolve("routes"));
        assertThat(of(Map.of("HUMA_HOME", home.toString())).problems()).isEmpty();
        assertThat(of(Map.of("HUMA_HOME", home.toString())).routesPattern()).isEqualTo("false");

        assertThat(of(Map.of("HUMA_HOME", home.resolve("missing").toString())).problems()).singleElement().asString()
                .startsWith("HUMA_HOME is not a folder: ");
    }

    @Test
    void theBuiltInRoutesAreListedFromAJarToo() throws Exception {
        Path jar = home.resolve("bundle.jar");
        try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar))) {
            for (String entry : List.of("huma-camel/", "huma-camel/b.camel.yaml", "huma-camel/a.camel.yaml",
                    "huma-camel/notes.txt", "huma-camel/sub/c.camel.yaml", "other/d.camel.yaml")) {
                out.putNextEntry(new java.util.jar.JarEntry(entry));
                out.closeEntry();
            }
        }
        try (java.net.URLClassLoader loader = new java.net.URLClassLoader(new java.net.URL[] {jar.toUri().toURL()}, null)) {
            assertThat(HumaRoutes.builtInFiles(loader)).containsExactly("a.camel.yaml", "b.camel.yaml");
        }
        try (java.net.URLClassLoader empty = new java.net.URLClassLoader(new java.net.URL[0], null)) {
            assertThat(HumaRoutes.builtInFiles(empty)).isNull();
        }
        // the project's own: as many as routes/ holds
        assertThat(HumaRoutes.builtInFiles(HumaRoutes.class.getClassLoader()))
                .hasSize(Path.of("routes").toFile().list((dir, name) -> name.endsWith(".camel.yaml")).length)
                .allMatch(route -> route.matches("huma-[a-z-]+\\.camel\\.yaml"));
    }

    @Test
    void withoutHumaHomeItIsTheWorkingDirectory() {
        assertThat(of(Map.of()).home()).isEqualTo(Path.of("").toAbsolutePath());
        assertThat(of(Map.of("HUMA_HOME", " ")).home()).isEqualTo(Path.of("").toAbsolutePath());
    }

    private static BundleLocations of(Map<String, String> environment) {
        return BundleLocations.fromEnvironment(environment::get);
    }
}

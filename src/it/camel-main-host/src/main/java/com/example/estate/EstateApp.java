package com.example.estate;

import org.apache.camel.main.Main;

/**
 * The estate's integration application: Camel Main, configured by {@code application.properties},
 * with the routes in {@code classpath:camel/}. Nothing in here knows about Huma: the huma-camel jar on
 * the class path brings its own routes and settings.
 */
public final class EstateApp {

    private EstateApp() {
    }

    public static void main(String... args) throws Exception {
        Main main = new Main(EstateApp.class);
        main.run(args);
    }
}

package com.example.estate;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The estate's Spring Boot application. Its own Camel routes are in {@code camel/}; the Huma webhook
 * routes come with the huma-camel dependency and need nothing here but three secrets.
 */
@SpringBootApplication
public class EstateApplication {

    public static void main(String[] args) {
        SpringApplication.run(EstateApplication.class, args);
    }
}

package dev.certpilot.spring.boot.tests;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * An application as a user writes it: the starter on the class path, application.properties, and this controller.
 * Works unchanged on the servlet stack and on WebFlux.
 */
@SpringBootApplication
@RestController
public class TestApplication {

    @GetMapping("/hello")
    String hello() {
        return "hello over HTTPS";
    }

    public static void main(String[] args) {
        SpringApplication.run(TestApplication.class, args);
    }
}

package dev.certpilot.spring.boot;

import java.util.Locale;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.web.server.ConfigurableWebServerFactory;

/** The embedded server an application runs on, read off its web server factory bean without making it. */
enum WebServerKind {
    TOMCAT, JETTY, NETTY, OTHER, NONE;

    static WebServerKind of(ListableBeanFactory beans) {
        for (var name : beans.getBeanNamesForType(ConfigurableWebServerFactory.class, true, false)) {
            var type = beans.getType(name, false);
            if (type == null) {
                continue;
            }
            var simpleName = type.getSimpleName().toLowerCase(Locale.ROOT);
            if (simpleName.contains("tomcat")) {
                return TOMCAT;
            }
            if (simpleName.contains("jetty")) {
                return JETTY;
            }
            if (simpleName.contains("netty")) {
                return NETTY;
            }
            return OTHER;
        }
        return NONE;
    }
}

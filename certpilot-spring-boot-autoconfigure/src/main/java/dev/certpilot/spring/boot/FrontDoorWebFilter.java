package dev.certpilot.spring.boot;

import java.nio.charset.StandardCharsets;

import org.springframework.core.Ordered;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import dev.certpilot.core.HttpFrontDoor;
import reactor.core.publisher.Mono;

/**
 * The front door for WebFlux: translates each exchange into an {@link HttpFrontDoor.Request} and the decision into
 * a response, so that a WebFlux application answers challenges, refuses disguised ones, redirects and sends HSTS
 * exactly as the servlet filter and the Jetty handler do. First in the chain. Thread-safe.
 */
final class FrontDoorWebFilter implements WebFilter, Ordered {

    private final HttpFrontDoor frontDoor;

    FrontDoorWebFilter(HttpFrontDoor frontDoor) {
        this.frontDoor = frontDoor;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        var request = exchange.getRequest();
        var headers = request.getHeaders();
        var uri = request.getURI();
        var path = uri.getRawPath();
        var decision = frontDoor.decide(new HttpFrontDoor.Request(request.getMethod().name(),
                headers.getFirst("Host"), path == null || path.isEmpty() ? "*" : path, uri.getRawQuery(),
                request.getSslInfo() != null, headers.getFirst("Forwarded"), headers.getFirst("X-Forwarded-Proto")));
        var response = exchange.getResponse();
        for (var header : decision.headers()) {
            response.getHeaders().set(header.name(), header.value());
        }
        if (decision.pass()) {
            return chain.filter(exchange);
        }
        response.setStatusCode(HttpStatusCode.valueOf(decision.status()));
        var body = decision.bodyBytes();
        if (body.length == 0) {
            response.getHeaders().setContentLength(0);
            return response.setComplete();
        }
        response.getHeaders().setContentType(new MediaType("text", "plain", StandardCharsets.UTF_8));
        response.getHeaders().setContentLength(body.length);
        if (HttpMethod.HEAD.equals(request.getMethod())) {
            return response.setComplete();
        }
        return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
    }

    @Override
    public int getOrder() {
        return HIGHEST_PRECEDENCE;
    }
}

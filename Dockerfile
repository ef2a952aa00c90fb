# syntax=docker/dockerfile:1
# Build stage: compile the release binary (templates, static files and migrations are
# compiled into it).
FROM rust:1-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY templates ./templates
COPY static ./static
COPY migrations ./migrations
RUN cargo build --release --locked

# Runtime stage: libpq and CA certificates only, as an unprivileged user. PostgreSQL and
# S3 come from outside (DATABASE_URL, HOPPER_S3_ENDPOINT); see docker-compose.yml.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/hopper --create-home hopper
COPY --from=build /src/target/release/hopper /usr/local/bin/hopper
USER hopper
WORKDIR /var/lib/hopper
ENV HOPPER_BIND=0.0.0.0:8080 \
    HOPPER_DATA_DIR=/var/lib/hopper
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD ["curl", "-fsS", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["/usr/local/bin/hopper"]
CMD ["serve"]

# syntax=docker/dockerfile:1
# Build stage: dependencies are compiled in their own layer, cached until Cargo.toml or
# Cargo.lock change.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
# Stand-ins for the sources (and the benchmark Cargo.toml declares) so only dependencies build.
RUN mkdir src benches \
    && echo 'fn main() {}' > src/main.rs \
    && echo 'fn main() {}' > benches/lookup.rs \
    && echo 'fn main() {}' > benches/claims.rs \
    && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src
COPY src ./src
COPY migrations ./migrations
COPY prompts ./prompts
COPY assets ./assets
RUN touch src/main.rs src/lib.rs && cargo build --release --locked

# Runtime stage: the binary, the coaching content and the migrations, run as a non-root user.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --create-home --home-dir /var/lib/shiftcoach shiftcoach
COPY --from=build /src/target/release/shiftcoach /usr/local/bin/shiftcoach
COPY --from=build /src/prompts /usr/share/shiftcoach/prompts
COPY --from=build /src/migrations /usr/share/shiftcoach/migrations
USER shiftcoach
WORKDIR /usr/share/shiftcoach
ENV SHIFTCOACH_DATA_DIR=/var/lib/shiftcoach \
    SHIFTCOACH_LOG_FORMAT=json
VOLUME ["/var/lib/shiftcoach"]
ENTRYPOINT ["/usr/local/bin/shiftcoach"]
CMD ["run"]

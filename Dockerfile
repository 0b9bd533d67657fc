# syntax=docker/dockerfile:1

# ---------------------------------------------------------------------------
# Builder: compiles csp-transition with bundled SQLite, bundled libpq
# (pq-sys "bundled") and vendored OpenSSL. The rust image already ships
# gcc, make and perl, which is all those build scripts need.
# ---------------------------------------------------------------------------
FROM rust:1.95-bookworm AS builder

WORKDIR /build

# 1. Dependency layer: build every dependency against dummy sources so this
#    layer is reused as long as Cargo.toml / Cargo.lock do not change.
#    .cargo/config.toml sets how the bundled SQLite is compiled (a dependency).
COPY Cargo.toml Cargo.lock ./
COPY .cargo/ .cargo/
RUN mkdir src benches \
    && echo 'fn main() {}' > src/main.rs \
    && echo 'fn main() {}' > benches/capability.rs \
    && echo '' > src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src benches \
    && rm -f target/release/csp-transition \
    && rm -rf target/release/deps/csp_transition-* \
              target/release/deps/libcsp_transition-* \
              target/release/.fingerprint/csp-transition-*

# 2. Real sources. migrations/ is embedded at compile time (diesel
#    embed_migrations!), openapi/ holds the checked-in spec.
COPY src/ src/
COPY benches/ benches/
COPY migrations/ migrations/
COPY openapi/ openapi/

# COPY keeps the context's mtimes, which can be older than the dummy build;
# touch the real sources so cargo is guaranteed to rebuild the crate.
RUN find src benches migrations openapi -type f -exec touch {} + \
    && cargo build --release --locked \
    && strip target/release/csp-transition

# ---------------------------------------------------------------------------
# Runtime
# ---------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime

# ca-certificates for outbound TLS; curl only for the HEALTHCHECK below.
# Versions come from the pinned bookworm base; exact pins would break on
# every Debian point release.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin app \
    && mkdir -p /app/data \
    && chown -R app:app /app

WORKDIR /app

COPY --from=builder /build/target/release/csp-transition /usr/local/bin/csp-transition

ENV BIND_ADDR=0.0.0.0:8080
EXPOSE 8080

# hadolint ignore=DL3066
USER app

# Shell form on purpose: "|| exit 1" maps any curl failure to the
# "unhealthy" exit code Docker expects.
# hadolint ignore=DL3025
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1

ENTRYPOINT ["csp-transition"]
CMD ["serve"]

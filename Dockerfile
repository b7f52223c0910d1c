# Build: a static binary (the SQLite driver is pure Go, no cgo).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /lianxi ./cmd/lianxi

# Run: distroless, no shell, as the unprivileged user 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /lianxi /lianxi
USER nonroot:nonroot
ENTRYPOINT ["/lianxi"]

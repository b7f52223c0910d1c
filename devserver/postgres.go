package devserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/log"
	pgplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql"
	pgschema "go.temporal.io/server/schema/postgresql/v12"
	"go.temporal.io/server/tools/common/schema"
	sqltool "go.temporal.io/server/tools/sql"
)

// The schemas the server module embeds, by name within its schema assets.
const (
	temporalSchema   = "postgresql/v12/temporal"
	visibilitySchema = "postgresql/v12/visibility"
)

// schemaLockKey names the advisory lock that serialises schema set-up, so
// two servers started at once on one database do not race each other.
const schemaLockKey = 0x6c69616e78690001

// PostgresConfig is a Temporal server's persistence on PostgreSQL: the
// database the URL names holds the history, <name>_visibility the
// visibility records (each schema keeps its own version table, so they
// cannot share a database).
type PostgresConfig struct {
	Default    *config.SQL
	Visibility *config.SQL
}

// ParsePostgresURL reads postgres://USER:PASS@HOST:PORT/DB?ATTRS. Query
// attributes (sslmode, sslrootcert, …) are passed to the driver as given.
func ParsePostgresURL(raw string) (PostgresConfig, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return PostgresConfig{}, fmt.Errorf("temporal-db: want postgres://USER:PASS@HOST:PORT/DB, got %q", redactURL(raw))
	}
	db := strings.TrimPrefix(u.Path, "/")
	if db == "" || strings.Contains(db, "/") || u.Hostname() == "" {
		return PostgresConfig{}, fmt.Errorf("temporal-db %q: name a host and a database, e.g. postgres://temporal:secret@127.0.0.1:5432/temporal", redactURL(raw))
	}
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	attrs := map[string]string{}
	for k, v := range u.Query() {
		attrs[k] = v[len(v)-1]
	}
	password, _ := u.User.Password()
	base := config.SQL{
		PluginName:        pgplugin.PluginNamePGX,
		User:              u.User.Username(),
		Password:          password,
		ConnectAddr:       net.JoinHostPort(u.Hostname(), port),
		ConnectProtocol:   "tcp",
		ConnectAttributes: attrs,
		MaxConns:          20,
		MaxIdleConns:      20,
	}
	def, vis := base, base
	def.DatabaseName = db
	vis.DatabaseName = db + "_visibility"
	vis.MaxConns, vis.MaxIdleConns = 10, 10
	return PostgresConfig{Default: &def, Visibility: &vis}, nil
}

// redactURL hides a URL's password for error messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// dsn is the pgx connection string for one of the configured databases.
func dsn(c *config.SQL, database string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(c.User, c.Password), Host: c.ConnectAddr, Path: "/" + database}
	q := url.Values{}
	for k, v := range c.ConnectAttributes {
		q.Set(k, v)
	}
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "disable")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// SetupPostgres creates the two databases when missing, and creates or
// upgrades the Temporal and visibility schemas to the versions this server
// embeds. It holds an advisory lock meanwhile: a second server starting at
// the same time waits, then finds the schema current and changes nothing.
func SetupPostgres(ctx context.Context, pc PostgresConfig, logger log.Logger) error {
	conn, err := connectCreating(ctx, pc.Default)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(schemaLockKey)); err != nil {
		return fmt.Errorf("temporal-db: lock schema set-up: %w", err)
	}
	defer func() { _, _ = conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", int64(schemaLockKey)) }()
	if err := createDatabase(ctx, conn, pc.Visibility.DatabaseName); err != nil {
		return err
	}
	for _, s := range []struct {
		cfg  *config.SQL
		name string
	}{{pc.Default, temporalSchema}, {pc.Visibility, visibilitySchema}} {
		if err := setupSchema(s.cfg, s.name, logger); err != nil {
			return fmt.Errorf("temporal-db: schema %s in database %s: %w", s.name, s.cfg.DatabaseName, err)
		}
	}
	return nil
}

// connectCreating connects to the configured database, creating it first
// (from the server's "postgres" database) when it does not exist.
func connectCreating(ctx context.Context, c *config.SQL) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, dsn(c, c.DatabaseName))
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "3D000" { // invalid_catalog_name
		admin, aerr := pgx.Connect(ctx, dsn(c, "postgres"))
		if aerr != nil {
			return nil, fmt.Errorf("temporal-db: database %s does not exist, and creating it failed: %w", c.DatabaseName, aerr)
		}
		cerr := createDatabase(ctx, admin, c.DatabaseName)
		admin.Close(context.Background())
		if cerr != nil {
			return nil, cerr
		}
		conn, err = pgx.Connect(ctx, dsn(c, c.DatabaseName))
	}
	if err != nil {
		return nil, fmt.Errorf("temporal-db: connect to %s: %w", c.ConnectAddr, err)
	}
	return conn, nil
}

func createDatabase(ctx context.Context, conn *pgx.Conn, name string) error {
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("temporal-db: look for database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		var pgErr *pgconn.PgError
		// duplicate_database, or a unique violation in the catalogue when
		// another server created it at the same moment.
		if errors.As(err, &pgErr) && (pgErr.Code == "42P04" || pgErr.Code == "23505") {
			return nil
		}
		return fmt.Errorf("temporal-db: create database %s (or create it beforehand): %w", name, err)
	}
	return nil
}

// setupSchema does what Temporal's SQL admin tool does for a new or older
// database: version tables at 0.0, then every versioned change up to the
// embedded schema's version. On a current database it changes nothing.
func setupSchema(c *config.SQL, name string, logger log.Logger) error {
	conn, err := sqltool.NewConnection(c, logger)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ReadSchemaVersion(); err != nil {
		setup := schema.NewSetupSchemaTask(conn, &schema.SetupConfig{InitialVersion: "0.0"}, logger)
		if err := setup.Run(); err != nil {
			return fmt.Errorf("version tables: %w", err)
		}
	}
	update := schema.NewUpdateSchemaTask(conn, &schema.UpdateConfig{DBName: c.DatabaseName, SchemaName: name}, logger)
	if err := update.Run(); err != nil {
		return fmt.Errorf("upgrade: %w", err)
	}
	return nil
}

// SchemaVersions are the versions the embedded server's PostgreSQL schemas
// reach, for messages and tests.
func SchemaVersions() (temporal, visibility string) {
	return pgschema.Version, pgschema.VisibilityVersion
}

// SiblingDatabase creates the database name beside the one raw (a
// postgres:// URL) points at, when missing, and returns raw pointing at it.
// The benchmark keeps its ledger there, on the same server as Temporal.
func SiblingDatabase(ctx context.Context, raw, name string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("postgres URL: %w", err)
	}
	conn, err := pgx.Connect(ctx, raw)
	if err != nil {
		return "", fmt.Errorf("connect to %s: %w", redactURL(raw), err)
	}
	defer conn.Close(context.Background())
	if err := createDatabase(ctx, conn, name); err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// preparePostgres creates or upgrades the schemas on PostgreSQL.
func preparePostgres(opts Options, logger log.Logger) (config.Persistence, error) {
	pc, err := ParsePostgresURL(opts.DB)
	if err != nil {
		return config.Persistence{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := SetupPostgres(ctx, pc, logger); err != nil {
		return config.Persistence{}, err
	}
	return config.Persistence{
		DefaultStore:    "postgres",
		VisibilityStore: "postgres-visibility",
		// Fixed for the life of the database: a few shards let history
		// work spread over more than one connection.
		NumHistoryShards: 4,
		DataStores: map[string]config.DataStore{
			"postgres":            {SQL: pc.Default},
			"postgres-visibility": {SQL: pc.Visibility},
		},
	}, nil
}

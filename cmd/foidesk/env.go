package main

import (
	"context"
	"io"
	"log/slog"
	"os"

	"foidesk/store"
)

// globals are the flags every command accepts.
type globals struct {
	configPath string
	dbPath     string
	logFormat  string
}

// env is what a command runs with: its streams, logger, and lazily loaded
// config and store.
type env struct {
	globals
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger

	cfg *Config
}

// config loads the config file once: --config, else $FOIDESK_CONFIG, else
// ./foidesk.toml if it exists, else defaults.
func (e *env) config() (*Config, error) {
	if e.cfg != nil {
		return e.cfg, nil
	}
	path, explicit := e.configPath, e.configPath != ""
	if path == "" {
		if p := os.Getenv("FOIDESK_CONFIG"); p != "" {
			path, explicit = p, true
		} else {
			path = "foidesk.toml"
		}
	}
	cfg, err := LoadConfig(path, explicit)
	if err != nil {
		return nil, err
	}
	e.cfg = cfg
	return cfg, nil
}

// openStore opens the database named by --db, else [store] path, else
// foidesk.db in the working directory.
func (e *env) openStore(ctx context.Context) (*store.Store, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	path := e.dbPath
	if path == "" {
		path = cfg.Store.Path
	}
	return store.Open(ctx, path, store.Options{})
}

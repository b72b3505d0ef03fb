package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"multicluster-metrics/tools/pulumi-standin-providers/internal/standin"
)

// connection is how to reach the MinIO server, from the provider configuration.
type connection struct {
	server   string // host:port
	user     string
	password string
	region   string
	ssl      bool
	insecure bool
}

// minioProvider holds the connection Configure set; every resource shares it.
type minioProvider struct {
	mu   sync.Mutex
	conn *connection
}

// Settings the real provider has that the stand-in does not implement.
var unimplementedSettings = []string{"minioCacertFile", "minioCertFile", "minioKeyFile", "minioSessionToken"}

// setting is a configuration value, else the environment variables the real provider also reads.
func setting(config resource.PropertyMap, keys []string, env ...string) string {
	for _, key := range keys {
		if v, ok := standin.String(config, key); ok && v != "" {
			return v
		}
	}
	for _, name := range env {
		if v := os.Getenv(name); v != "" {
			return v
		}
	}
	return ""
}

func parseConnection(config resource.PropertyMap) (*connection, error) {
	for _, key := range unimplementedSettings {
		if v, ok := standin.String(config, key); ok && v != "" {
			return nil, fmt.Errorf("minio: %s is not implemented by this stand-in provider", key)
		}
	}
	if v := setting(config, []string{"minioApiVersion"}); v != "" && v != "v4" {
		return nil, fmt.Errorf("minio: minioApiVersion %q is not implemented by this stand-in provider (only v4)", v)
	}
	c := &connection{
		server:   setting(config, []string{"minioServer"}, "MINIO_ENDPOINT"),
		user:     setting(config, []string{"minioUser", "minioAccessKey"}, "MINIO_USER", "MINIO_ACCESS_KEY"),
		password: setting(config, []string{"minioPassword", "minioSecretKey"}, "MINIO_PASSWORD", "MINIO_SECRET_KEY"),
		region:   setting(config, []string{"minioRegion"}, "MINIO_REGION"),
		ssl:      standin.Bool(config, "minioSsl", os.Getenv("MINIO_ENABLE_HTTPS") == "true"),
		insecure: standin.Bool(config, "minioInsecure", os.Getenv("MINIO_INSECURE") == "true"),
	}
	if c.region == "" {
		c.region = "us-east-1"
	}
	switch {
	case c.server == "":
		return nil, errors.New("minio: minioServer is not set (the server's host:port)")
	case c.user == "" || c.password == "":
		return nil, errors.New("minio: minioUser and minioPassword must both be set")
	}
	if _, _, err := net.SplitHostPort(c.server); err != nil {
		return nil, fmt.Errorf("minio: minioServer must be host:port, without a scheme (got %q)", c.server)
	}
	return c, nil
}

// configure checks the settings and that the server answers, so a wrong endpoint fails at once.
func (p *minioProvider) configure(ctx context.Context, config resource.PropertyMap) error {
	c, err := parseConnection(config)
	if err != nil {
		return err
	}
	if err := c.reach(ctx); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.conn = c
	return nil
}

func (p *minioProvider) connection() (*connection, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn == nil {
		return nil, errors.New("minio: the provider is not configured (set minioServer, minioUser and minioPassword)")
	}
	return p.conn, nil
}

// checkReachable fails a resource's Check, before anything is created, when the server is
// down. (An unconfigured provider is left to Create, which says what is missing.)
func (p *minioProvider) checkReachable(ctx context.Context) error {
	p.mu.Lock()
	c := p.conn
	p.mu.Unlock()
	if c == nil {
		return nil
	}
	return c.reach(ctx)
}

func (c *connection) reach(ctx context.Context) error {
	dialer := net.Dialer{Timeout: 5 * time.Second}
	conn, err := dialer.DialContext(ctx, "tcp", c.server)
	if err != nil {
		return fmt.Errorf("minio: cannot reach minioServer %s (%v)", c.server, err)
	}
	return conn.Close()
}

func (c *connection) scheme() string {
	if c.ssl {
		return "https"
	}
	return "http"
}

// endpointURL is the server's URL (no credentials).
func (c *connection) endpointURL() string {
	return (&url.URL{Scheme: c.scheme(), Host: c.server}).String()
}

// s3 is an S3 client for the server.
func (c *connection) s3() (*minio.Client, error) {
	transport, err := minio.DefaultTransport(c.ssl)
	if err != nil {
		return nil, err
	}
	if c.insecure {
		transport.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	}
	return minio.New(c.server, &minio.Options{
		Creds:     credentials.NewStaticV4(c.user, c.password, ""),
		Secure:    c.ssl,
		Region:    c.region,
		Transport: transport,
	})
}

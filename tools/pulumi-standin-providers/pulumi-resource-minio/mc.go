package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
)

// The admin API (users, policies) is reached through the MinIO client `mc`, a separate
// process: madmin-go, the library it would otherwise take, is AGPL-licensed.

// mcAlias names the server in mc commands; MC_HOST_<alias> in mc's environment defines it.
const mcAlias = "standin"

// mcBinary is MULTICLUSTER_MC, else mc on PATH.
func mcBinary() (string, error) {
	if path := os.Getenv("MULTICLUSTER_MC"); path != "" {
		if _, err := os.Stat(path); err != nil {
			return "", fmt.Errorf("minio: MULTICLUSTER_MC is %s, which does not exist", path)
		}
		return path, nil
	}
	path, err := exec.LookPath("mc")
	if err != nil {
		return "", errors.New("minio: the stand-in provider manages users and policies with the MinIO client `mc`, which is not on PATH: install mc or set MULTICLUSTER_MC to its path")
	}
	return path, nil
}

// mcError is mc's own report of a failed command; Code is the server's error code
// (e.g. XMinioAdminNoSuchUser) when the server refused.
type mcError struct {
	Command string
	Message string
	Code    string
}

func (e *mcError) Error() string { return fmt.Sprintf("minio: mc %s: %s", e.Command, e.Message) }

func isCode(err error, code string) bool {
	var e *mcError
	return errors.As(err, &e) && e.Code == code
}

// mc runs `mc --json <args>` against the server and decodes its last JSON line into out
// (when not nil). stdin carries what must not appear on a command line (a user's secret);
// the credentials travel in the environment; mc's configuration goes to a temporary
// directory, so it writes nothing to $HOME. Errors never include stdout or a secret.
func (c *connection) mc(ctx context.Context, stdin string, out any, args ...string) error {
	bin, err := mcBinary()
	if err != nil {
		return err
	}
	configDir, err := os.MkdirTemp("", "standin-mc-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(configDir)
	full := []string{"--config-dir", configDir, "--json", "--quiet"}
	if c.insecure {
		full = append(full, "--insecure")
	}
	cmd := exec.CommandContext(ctx, bin, append(full, args...)...)
	cmd.Env = append(withoutMCHosts(os.Environ()), "MC_HOST_"+mcAlias+"="+c.aliasURL())
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	last := lastJSONLine(stdout.String())
	if runErr != nil {
		return c.failure(strings.Join(args, " "), last, stderr.String(), runErr, stdin)
	}
	if out != nil && last != "" {
		if err := json.Unmarshal([]byte(last), out); err != nil {
			return fmt.Errorf("minio: mc %s: unexpected output: %w", strings.Join(args, " "), err)
		}
	}
	return nil
}

// aliasURL is the server's URL with the admin credentials, for MC_HOST_<alias>.
func (c *connection) aliasURL() string {
	return (&url.URL{Scheme: c.scheme(), User: url.UserPassword(c.user, c.password), Host: c.server}).String()
}

func withoutMCHosts(env []string) []string {
	var kept []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "MC_HOST_") {
			kept = append(kept, kv)
		}
	}
	return kept
}

func lastJSONLine(text string) string {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if line := strings.TrimSpace(lines[i]); strings.HasPrefix(line, "{") {
			return line
		}
	}
	return ""
}

// failure turns mc's JSON error report (or, lacking one, its stderr) into an error with every
// secret masked.
func (c *connection) failure(command, report, stderr string, runErr error, secret string) error {
	var parsed struct {
		Error struct {
			Message string `json:"message"`
			Cause   struct {
				Message string `json:"message"`
				Error   struct {
					Code string `json:"Code"`
				} `json:"error"`
			} `json:"cause"`
		} `json:"error"`
	}
	message := strings.TrimSpace(stderr)
	if json.Unmarshal([]byte(report), &parsed) == nil && parsed.Error.Message != "" {
		message = parsed.Error.Message
		if cause := parsed.Error.Cause.Message; cause != "" {
			message += ": " + cause
		}
	}
	if message == "" {
		message = runErr.Error()
	}
	for _, s := range []string{c.password, strings.TrimSpace(secret), url.UserPassword(c.user, c.password).String()} {
		if s != "" {
			message = strings.ReplaceAll(message, s, "[secret]")
		}
	}
	return &mcError{Command: command, Message: message, Code: parsed.Error.Cause.Error.Code}
}

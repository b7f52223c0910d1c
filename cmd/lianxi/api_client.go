package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"lianxi/console/identity"
)

// apiClient is the CLI's side of the HTTP API: every task verb goes through
// the same door as the console, with a token.
type apiClient struct {
	base  string
	token string
	hc    *http.Client
	// as names whose token from tokens.json the client acts with; empty
	// with --token.
	as, tokensFile string
}

// apiError is the API's JSON error.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field"`
}

func (e *apiError) Error() string { return e.Message }

// api builds a client acting with --token, or as NAME (office, auditor or a
// ministry ID) with NAME's token from the data folder's tokens.json; the
// office when neither is given.
func (a *app) api(as string) (*apiClient, error) {
	c := &apiClient{base: strings.TrimRight(a.cfg.Server, "/"), token: a.cfg.Token, hc: &http.Client{Timeout: 2 * time.Minute}}
	if as != "" || c.token == "" {
		if as == "" {
			as = "office"
		}
		var err error
		if c.token, err = a.tokenOf(as); err != nil {
			return nil, err
		}
		c.as, c.tokensFile = as, a.cfg.TokensPath()
	}
	return c, nil
}

// tokenOf reads NAME's token from <data>/tokens.json.
func (a *app) tokenOf(name string) (string, error) {
	path := a.cfg.TokensPath()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("no token to act with: %s does not exist; give --data of the folder `lianxi dev` (or `lianxi tokens init`) wrote, or --token", path)
	}
	if err != nil {
		return "", err
	}
	var t identity.Tokens
	if err := json.Unmarshal(b, &t); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	tok := t.Ministries[name]
	switch name {
	case "office":
		tok = t.Office
	case "auditor":
		tok = t.Auditor
	}
	if tok != "" {
		return tok, nil
	}
	return "", fmt.Errorf("--as %s: %s has no token for %q; use office, auditor or a ministry ID such as ndrc", name, path, name)
}

// do sends one request and decodes the JSON answer into out; an error
// answer becomes an *apiError.
func (c *apiClient) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	return c.send(req, out)
}

// upload sends the file at name as multipart field "file" to path.
func (c *apiClient) upload(ctx context.Context, path, name string, out any) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		part, err := mw.CreateFormFile("file", filepath.Base(name))
		if err == nil {
			_, err = io.Copy(part, f)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequestWithContext(ctx, "POST", c.base+path, pr)
	if err != nil {
		pr.Close()
		return err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.send(req, out)
}

// send adds the token, sends req and decodes the JSON answer into out; an
// error answer becomes an *apiError.
func (c *apiClient) send(req *http.Request, out any) error {
	method, path := req.Method, req.URL.Path
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("the lianxi API at %s does not answer (is `lianxi dev` or `lianxi serve` running? --server sets the address): %w", c.base, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error apiError `json:"error"`
		}
		if json.Unmarshal(b, &e) != nil || e.Error.Message == "" {
			return fmt.Errorf("%s %s: HTTP %d", method, path, resp.StatusCode)
		}
		e.Error.Status = resp.StatusCode
		if resp.StatusCode == http.StatusUnauthorized && c.as != "" {
			e.Error.Message = fmt.Sprintf("%s: --as %s acted with the token for %q in %s, and the API at %s does not accept it "+
				"(revoked, expired, rotated past its grace, or that file belongs to another install): "+
				"`lianxi tokens list` shows its state, `lianxi tokens rotate %s` issues a new one and writes it to that file; "+
				"or give --data of the install the API serves, or --token",
				e.Error.Message, c.as, c.as, c.tokensFile, c.base, c.as)
		}
		return &e.Error
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}

// taskPath turns a task ID ("plan/1.2") into its API path.
func taskPath(id string) (string, error) {
	i := strings.LastIndex(id, "/")
	if i <= 0 || i == len(id)-1 {
		return "", fmt.Errorf("task ID %q: want PLAN/NO, e.g. internet-plus-2015/1.2", id)
	}
	return "/api/plans/" + url.PathEscape(id[:i]) + "/tasks/" + url.PathEscape(id[i+1:]), nil
}

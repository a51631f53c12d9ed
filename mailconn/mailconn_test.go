package mailconn_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"foidesk/ingest/imaptest"
	"foidesk/internal/porttest"
	"foidesk/mailconn"
)

func TestDefaults(t *testing.T) {
	cases := []struct {
		proto mailconn.Protocol
		tls   mailconn.TLSMode
		port  int
	}{
		{mailconn.SMTP, "", 587}, {mailconn.SMTP, mailconn.TLS, 465}, {mailconn.SMTP, mailconn.None, 25},
		{mailconn.IMAP, "", 993}, {mailconn.IMAP, mailconn.StartTLS, 143}, {mailconn.IMAP, mailconn.None, 143},
	}
	for _, c := range cases {
		s := mailconn.Server{Proto: c.proto, TLS: c.tls}.WithDefaults()
		if s.Port != c.port || s.Timeout != mailconn.DefaultTimeout || s.TLS == "" {
			t.Errorf("%s %q: %+v, want port %d", c.proto, c.tls, s, c.port)
		}
	}
	if s := (mailconn.Server{Proto: mailconn.IMAP, Port: 1143, TLS: mailconn.None, Timeout: time.Second}).WithDefaults(); s.Port != 1143 || s.Timeout != time.Second {
		t.Errorf("settings overridden by defaults: %+v", s)
	}
}

func TestNoneOnlyToLoopback(t *testing.T) {
	for _, host := range []string{"127.0.0.1", "::1", "localhost", ""} {
		if err := (mailconn.Server{Proto: mailconn.IMAP, Host: host, TLS: mailconn.None}).Check(); err != nil {
			t.Errorf("%q: %v", host, err)
		}
	}
	for _, host := range []string{"imap.example.org", "192.0.2.1", "localhost.example.org"} {
		err := mailconn.Server{Proto: mailconn.SMTP, Host: host, TLS: mailconn.None}.Check()
		if err == nil || !strings.Contains(err.Error(), `[smtp] tls = "none" is allowed only for a loopback host`) || !strings.Contains(err.Error(), host) {
			t.Errorf("%q: %v", host, err)
		}
	}
	// The dialler refuses before anything crosses the network, and says it
	// is not worth retrying.
	_, err := mailconn.DialIMAP(context.Background(), mailconn.Server{Host: "imap.example.org", TLS: mailconn.None}, mailconn.IMAPOptions{})
	if err == nil || !strings.Contains(err.Error(), "loopback") || mailconn.IsTemporary(err) {
		t.Errorf("DialIMAP in clear text to a remote host: %v", err)
	}
}

func TestCheckRejectsBadSettings(t *testing.T) {
	for _, c := range []struct {
		s    mailconn.Server
		want string
	}{
		{mailconn.Server{Proto: mailconn.IMAP, TLS: "ssl"}, `[imap] tls must be tls, starttls or none, not "ssl"`},
		{mailconn.Server{Proto: mailconn.SMTP, Port: 70000}, "[smtp] port must be between 1 and 65535, not 70000"},
		{mailconn.Server{Proto: mailconn.SMTP, Port: -1}, "[smtp] port must be between 1 and 65535, not -1"},
	} {
		if err := c.s.Check(); err == nil || err.Error() != c.want {
			t.Errorf("%+v: %v, want %q", c.s, err, c.want)
		}
	}
}

func TestCAFileErrorsNameTheKeyAndFile(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.pem")
	_, err := mailconn.Server{Proto: mailconn.IMAP, Host: "imap.example.org", CAFile: missing}.TLSConfig()
	if err == nil || !strings.HasPrefix(err.Error(), "[imap] ca_file: ") || !strings.Contains(err.Error(), missing) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing CA file: %v", err)
	}
	notPEM := filepath.Join(dir, "ca.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = mailconn.Server{Proto: mailconn.SMTP, Host: "smtp.example.org", CAFile: notPEM}.TLSConfig()
	if want := "[smtp] ca_file " + notPEM + " holds no PEM certificate"; err == nil || err.Error() != want {
		t.Errorf("CA file without PEM: %v, want %q", err, want)
	}
	// No connection is attempted with a CA file that cannot be used, and
	// no retry will mend it.
	_, err = mailconn.DialIMAP(context.Background(), mailconn.Server{Host: "127.0.0.1", Port: 1, CAFile: notPEM}, mailconn.IMAPOptions{})
	if err == nil || !strings.Contains(err.Error(), "holds no PEM certificate") || mailconn.IsTemporary(err) {
		t.Errorf("DialIMAP with a bad CA file: %v", err)
	}
	// In clear text there is nothing to verify.
	if tc, err := (mailconn.Server{Proto: mailconn.IMAP, Host: "localhost", TLS: mailconn.None, CAFile: missing}).TLSConfig(); tc != nil || err != nil {
		t.Errorf("tls = none: %v %v", tc, err)
	}
}

func TestTLSConfigVerifiesTheHost(t *testing.T) {
	_, caFile := testCA(t)
	tc, err := mailconn.Server{Proto: mailconn.IMAP, Host: "imap.example.org", CAFile: caFile}.TLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	if tc.ServerName != "imap.example.org" || tc.RootCAs == nil || tc.InsecureSkipVerify || tc.MinVersion < tls.VersionTLS12 {
		t.Errorf("%+v", tc)
	}
}

func TestBackoff(t *testing.T) {
	b := mailconn.Backoff{Min: 100 * time.Millisecond, Max: time.Second}
	want := []time.Duration{100, 200, 400, 800, 1000, 1000, 1000}
	for round := 0; round < 2; round++ {
		for i, w := range want {
			w *= time.Millisecond
			got := b.Next()
			if got < w || got > w+w/2 {
				t.Fatalf("round %d wait %d: %v, want between %v and %v", round, i+1, got, w, w+w/2)
			}
		}
		b.Reset()
	}
	// The jitter is random: many waits do not all fall on one value.
	seen := map[time.Duration]bool{}
	for i := 0; i < 20; i++ {
		b.Reset()
		seen[b.Next()] = true
	}
	if len(seen) < 2 {
		t.Errorf("no jitter: %v", seen)
	}
	var zero mailconn.Backoff
	if d := zero.Next(); d < mailconn.DefaultMinBackoff || d > mailconn.DefaultMinBackoff*3/2 {
		t.Errorf("zero Backoff first wait %v", d)
	}
	for i := 0; i < 20; i++ {
		zero.Next()
	}
	if d := zero.Next(); d < mailconn.DefaultMaxBackoff || d > mailconn.DefaultMaxBackoff*3/2 {
		t.Errorf("zero Backoff capped wait %v", d)
	}
}

func TestSleepEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	if mailconn.Sleep(ctx, time.Minute) || time.Since(start) > 10*time.Second {
		t.Errorf("Sleep ran on after its context ended (%v)", time.Since(start))
	}
	if !mailconn.Sleep(context.Background(), time.Millisecond) {
		t.Error("Sleep cut short")
	}
}

// silentServer accepts connections and never says a word. accepted
// receives the server side of each connection.
func silentServer(t *testing.T) (addr string, accepted chan net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted = make(chan net.Conn, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
			accepted <- c
		}
	}()
	return ln.Addr().String(), accepted
}

func serverAt(addr string, mode mailconn.TLSMode, timeout time.Duration) mailconn.Server {
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	return mailconn.Server{Proto: mailconn.IMAP, Host: host, Port: p, TLS: mode, Username: imaptest.User, Password: imaptest.Password, Timeout: timeout}
}

// closedSoon reports whether the peer closed c within d.
func closedSoon(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.ReadAll(c)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

func TestGuardGivesUpOnASilentServer(t *testing.T) {
	addr, accepted := silentServer(t)
	for _, mode := range []mailconn.TLSMode{mailconn.None, mailconn.TLS} {
		t.Run(string(mode), func(t *testing.T) {
			start := time.Now()
			_, err := mailconn.DialIMAP(context.Background(), serverAt(addr, mode, 200*time.Millisecond), mailconn.IMAPOptions{})
			if err == nil || !mailconn.IsTemporary(err) || !strings.Contains(err.Error(), "no progress within 200ms") {
				t.Fatalf("err = %v, want a temporary error saying the server made no progress", err)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("gave up after %v", took)
			}
			if !closedSoon(<-accepted, 5*time.Second) {
				t.Error("the connection was left open")
			}
		})
	}
}

func TestContextEndClosesTheConnection(t *testing.T) {
	addr, accepted := silentServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := mailconn.DialIMAP(ctx, serverAt(addr, mailconn.None, time.Minute), mailconn.IMAPOptions{})
		done <- err
	}()
	srv := <-accepted
	cancel()
	select {
	case err := <-done:
		if err == nil || strings.Contains(err.Error(), "no progress") {
			t.Errorf("err = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("DialIMAP did not return when its context ended")
	}
	if !closedSoon(srv, 5*time.Second) {
		t.Error("the connection was left open")
	}
}

// TestGuardTouchAndPause: a call that keeps making progress, or that waits
// on the caller, is not cut off; one that stops is.
func TestGuardTouchAndPause(t *testing.T) {
	client, server := net.Pipe()
	defer server.Close()
	closed := make(chan struct{})
	g := mailconn.NewGuard(context.Background(), 300*time.Millisecond, func() { client.Close(); close(closed) })
	for i := 0; i < 12; i++ {
		time.Sleep(50 * time.Millisecond)
		g.Touch()
	}
	g.Pause()
	time.Sleep(700 * time.Millisecond)
	select {
	case <-closed:
		t.Fatal("the guard closed a connection that was making progress or paused")
	default:
	}
	g.Touch()
	start := time.Now()
	_, err := client.Read(make([]byte, 1))
	if took := time.Since(start); took < 250*time.Millisecond || took > 5*time.Second {
		t.Errorf("closed %v after the last touch, want about 300ms", took)
	}
	err = g.Done("read", err)
	if !mailconn.IsTemporary(err) || !strings.HasPrefix(err.Error(), "read: no progress within 300ms: ") {
		t.Errorf("Done = %v", err)
	}
	if g2 := mailconn.NewGuard(context.Background(), time.Minute, func() {}); g2.Done("x", nil) != nil {
		t.Error("Done(nil) is not nil")
	}
}

func TestLoginRefusedIsPermanent(t *testing.T) {
	srv := imaptest.Start(t, false)
	s := serverAt(srv.Addr(), mailconn.None, 5*time.Second)
	s.Password = "wrong"
	_, err := mailconn.DialIMAP(context.Background(), s, mailconn.IMAPOptions{})
	if err == nil || mailconn.IsTemporary(err) || !strings.Contains(err.Error(), "IMAP login as jo refused") {
		t.Fatalf("err = %v, want a permanent refusal", err)
	}
	// Nothing listening is a network failure: temporary. The reserved port
	// refuses connections and nothing else can start listening on it.
	gone := porttest.Reserve(t).Addr()
	_, err = mailconn.DialIMAP(context.Background(), serverAt(gone, mailconn.None, 5*time.Second), mailconn.IMAPOptions{})
	if err == nil || !mailconn.IsTemporary(err) || !strings.Contains(err.Error(), "connect to IMAP server "+gone) {
		t.Fatalf("err = %v, want a temporary failure to connect", err)
	}
}

func TestDialIMAPLogsIn(t *testing.T) {
	srv := imaptest.Start(t, true)
	c, err := mailconn.DialIMAP(context.Background(), serverAt(srv.Addr(), mailconn.None, 5*time.Second), mailconn.IMAPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Logout()
	if !c.Caps.Has(imap.CapIdle) {
		t.Errorf("capabilities %v lack IDLE", c.Caps)
	}
	if err := c.Do(context.Background(), "IMAP SELECT", func() error {
		_, err := c.Client.Select("INBOX", nil).Wait()
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// TestTLSWithPrivateCA dials a server whose certificate only the CA file
// vouches for, in both TLS modes; without the CA file the certificate does
// not verify, which no retry will mend.
func TestTLSWithPrivateCA(t *testing.T) {
	serverTLS, caFile := testCA(t)
	for _, mode := range []mailconn.TLSMode{mailconn.TLS, mailconn.StartTLS} {
		t.Run(string(mode), func(t *testing.T) {
			addr := startTLSServer(t, serverTLS, mode)
			s := serverAt(addr, mode, 5*time.Second)
			s.CAFile = caFile
			// The server takes a login only over TLS.
			c, err := mailconn.DialIMAP(context.Background(), s, mailconn.IMAPOptions{})
			if err != nil {
				t.Fatal(err)
			}
			c.Logout()
			s.CAFile = ""
			_, err = mailconn.DialIMAP(context.Background(), s, mailconn.IMAPOptions{})
			if err == nil || mailconn.IsTemporary(err) || !strings.Contains(err.Error(), "certificate does not verify") {
				t.Errorf("without the CA: %v", err)
			}
		})
	}
	// Implicit TLS to a server that speaks clear text.
	plain := imaptest.Start(t, false)
	_, err := mailconn.DialIMAP(context.Background(), serverAt(plain.Addr(), mailconn.TLS, 5*time.Second), mailconn.IMAPOptions{})
	if err == nil || mailconn.IsTemporary(err) || !strings.Contains(err.Error(), "did not answer in TLS") {
		t.Errorf("TLS to a clear-text server: %v", err)
	}
	// STARTTLS to a server that does not offer it.
	_, err = mailconn.DialIMAP(context.Background(), serverAt(plain.Addr(), mailconn.StartTLS, 5*time.Second), mailconn.IMAPOptions{})
	if err == nil || mailconn.IsTemporary(err) || !strings.Contains(err.Error(), "refused STARTTLS") {
		t.Errorf("STARTTLS to a server without it: %v", err)
	}
}

// testCA makes a self-signed certificate for 127.0.0.1 and writes it to a
// PEM file, the CA file that trusts it.
func testCA(t *testing.T) (server *tls.Config, caFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test imap"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, caFile
}

// startTLSServer serves an empty INBOX for imaptest.User over implicit TLS
// or with STARTTLS.
func startTLSServer(t *testing.T, tc *tls.Config, mode mailconn.TLSMode) string {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(imaptest.User, imaptest.Password)
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)
	opts := &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:   imap.CapSet{imap.CapIMAP4rev1: {}},
		Logger: log.New(io.Discard, "", 0),
	}
	var ln net.Listener
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if mode == mailconn.TLS {
		ln = tls.NewListener(ln, tc)
	} else {
		opts.TLSConfig = tc
	}
	srv := imapserver.New(opts)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

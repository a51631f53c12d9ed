//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// need finds a program from a Debian package, or skips (fails in CI)
// saying which package to install.
func need(t *testing.T, prog, pkg string) string {
	t.Helper()
	for _, p := range []string{prog, "/usr/sbin/" + prog, "/usr/local/sbin/" + prog} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	msg := fmt.Sprintf("%s not found: install the %s package (apt-get install postfix dovecot-imapd tesseract-ocr) to run the end-to-end suite", prog, pkg)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// lookupIDs is a system user's uid and gid.
func lookupIDs(t *testing.T, name string) (int, int) {
	t.Helper()
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatalf("user %s: %v", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return uid, gid
}

// freePort is a loopback port free a moment ago. Postfix and Dovecot bind
// their ports themselves, so they cannot be handed a listener; each
// greets with a token of its own, so that a port someone else took
// meanwhile is noticed rather than talked to.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// greeting is the first line a server at addr sends.
func greeting(addr string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	return strings.TrimSpace(line), err
}

// errPortTaken: another process bound the chosen port first.
var errPortTaken = errors.New("the port was taken before the server could bind it")

// waitGreeting waits until addr greets with token. A port that answers
// with another greeting, or a server whose log says the address was in
// use, is errPortTaken.
func waitGreeting(addr, token, logPath string) error {
	deadline := time.Now().Add(20 * time.Second)
	for {
		g, err := greeting(addr)
		if err == nil && strings.Contains(g, token) {
			return nil
		}
		if err == nil {
			return fmt.Errorf("%w: %s greets with %q", errPortTaken, addr, g)
		}
		log, _ := os.ReadFile(logPath)
		if bytes.Contains(log, []byte("Address already in use")) {
			return fmt.Errorf("%w: %s", errPortTaken, addr)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no greeting at %s: %v\n%s", addr, err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// onFreePort starts a server on a port free a moment ago, and on a fresh
// one when another process took it first.
func onFreePort(t *testing.T, what string, start func(port int) error) {
	t.Helper()
	const tries = 5
	for try := 1; ; try++ {
		err := start(freePort(t))
		if err == nil {
			return
		}
		if !errors.Is(err, errPortTaken) || try == tries {
			t.Fatalf("start %s (try %d of %d): %v", what, try, tries, err)
		}
		t.Logf("%s, try %d: %v; trying another port", what, try, err)
	}
}

// mailRoot is the directory both servers share: Postfix's virtual
// delivery writes Maildirs under mail/DOMAIN/USER/, which Dovecot serves.
// It is owned by the Debian "mail" user, as both deliver and read as it.
type mailRoot struct {
	dir      string // the test's top directory, traversable by the servers' users
	mail     string // dir/mail
	uid, gid int
}

func newMailRoot(t *testing.T) *mailRoot {
	t.Helper()
	dir, err := os.MkdirTemp("", "foidesk-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if os.Getenv("E2E_KEEP") == "" {
			os.RemoveAll(dir)
		}
	})
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	uid, gid := lookupIDs(t, "mail")
	m := &mailRoot{dir: dir, mail: filepath.Join(dir, "mail"), uid: uid, gid: gid}
	if err := os.Mkdir(m.mail, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(m.mail, uid, gid); err != nil {
		t.Fatal(err)
	}
	return m
}

// maildir is where a mailbox's messages arrive.
func (m *mailRoot) maildir(addr string) string {
	local, domain, _ := strings.Cut(addr, "@")
	return filepath.Join(m.mail, domain, local)
}

// postfix is a real Postfix with its whole configuration and queue in
// the test's directory: loopback only, SMTP with STARTTLS on a high
// port, the given mailboxes delivered to Maildirs by virtual(8), and any
// other address in those domains bounced with a DSN to the sender.
type postfix struct {
	bin, confDir, logPath string
	Addr                  string
	Port                  int
}

func startPostfix(t *testing.T, m *mailRoot, c certs, domains, mailboxes []string) *postfix {
	t.Helper()
	bin := need(t, "postfix", "postfix")
	if os.Geteuid() != 0 {
		msg := "the end-to-end suite starts Postfix, whose master must run as root"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := filepath.Join(m.dir, "postfix")
	confDir := filepath.Join(dir, "etc")
	for _, d := range []string{dir, confDir, filepath.Join(dir, "queue"), filepath.Join(dir, "data")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// The data directory is Postfix's own (its TLS session cache, its
	// locks); the queue's subdirectories are made by "postfix start".
	puid, pgid := lookupIDs(t, "postfix")
	if err := os.Chown(filepath.Join(dir, "data"), puid, pgid); err != nil {
		t.Fatal(err)
	}
	// smtpd opens its key as root before dropping privileges, so the
	// key stays readable by root only, beside the config.
	for src, name := range map[string]string{c.Cert: "server.pem", c.Key: "server.key"} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(confDir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var vmap strings.Builder
	for _, a := range mailboxes {
		local, domain, _ := strings.Cut(a, "@")
		fmt.Fprintf(&vmap, "%s %s/%s/\n", a, domain, local)
	}
	if err := os.WriteFile(filepath.Join(confDir, "vmailbox"), []byte(vmap.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	p := &postfix{bin: bin, confDir: confDir, logPath: filepath.Join(dir, "maillog")}
	onFreePort(t, "postfix", func(port int) error {
		token := fmt.Sprintf("foidesk-e2e-postfix-%d-%d", os.Getpid(), time.Now().UnixNano())
		p.Port, p.Addr = port, net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		return p.configure(t, port, token, dir, m, domains)
	})
	t.Cleanup(func() { p.run("stop") })
	return p
}

// configure writes Postfix's main.cf and master.cf for port and starts
// it; a start that fails is stopped again.
func (p *postfix) configure(t *testing.T, port int, token, dir string, m *mailRoot, domains []string) error {
	t.Helper()
	confDir := p.confDir
	os.Remove(p.logPath) // a new log for each try, so that it speaks of this one
	mainCF := fmt.Sprintf(`compatibility_level = 3.6
queue_directory = %[1]s/queue
data_directory = %[1]s/data
daemon_directory = /usr/lib/postfix/sbin
command_directory = /usr/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
default_privs = nobody
maillog_file = %[2]s
maillog_file_prefixes = %[1]s
myhostname = mx.e2e.test
mydomain = e2e.test
myorigin = $myhostname
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost =
alias_maps =
alias_database =
local_recipient_maps =
smtpd_banner = $myhostname ESMTP %[3]s
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_tls_cert_file = %[4]s/server.pem
smtpd_tls_key_file = %[4]s/server.key
# Every client, foidesk and the councils alike, must use STARTTLS.
smtpd_tls_security_level = encrypt
smtp_tls_security_level = none
virtual_mailbox_domains = %[5]s
virtual_mailbox_base = %[6]s
virtual_mailbox_maps = texthash:%[4]s/vmailbox
virtual_uid_maps = static:%[7]d
virtual_gid_maps = static:%[8]d
virtual_minimum_uid = 1
# Accept an unknown address and bounce it afterwards, as a remote
# council's server would: the campaigner gets a DSN, not an SMTP refusal.
smtpd_reject_unlisted_recipient = no
recipient_delimiter = +
biff = no
delay_warning_time = 0
queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 4s
`, dir, p.logPath, token, confDir, strings.Join(domains, ", "), m.mail, m.uid, m.gid)
	masterCF := fmt.Sprintf(`127.0.0.1:%d inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`, port)
	for name, body := range map[string]string{"main.cf": mainCF, "master.cf": masterCF} {
		if err := os.WriteFile(filepath.Join(confDir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.run("start"); err != nil {
		log, _ := os.ReadFile(p.logPath)
		return fmt.Errorf("%v\n%s", err, log)
	}
	if err := waitGreeting(p.Addr, token, p.logPath); err != nil {
		p.run("stop")
		return err
	}
	return nil
}

func (p *postfix) run(verb string) error {
	out, err := exec.Command(p.bin, "-c", p.confDir, verb).CombinedOutput()
	if os.Getenv("E2E_DEBUG") != "" {
		fmt.Fprintf(os.Stderr, "postfix %s: %s\n", verb, out)
	}
	if err != nil {
		return fmt.Errorf("postfix %s: %v\n%s", verb, err, out)
	}
	return nil
}

// stop stops Postfix and waits until its port refuses connections.
func (p *postfix) stop(t *testing.T) {
	t.Helper()
	if err := p.run("stop"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", p.Addr, time.Second)
		if err != nil {
			return
		}
		conn.Close()
		if time.Now().After(deadline) {
			t.Fatal("postfix still accepts connections after postfix stop")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// restart starts a stopped Postfix again on its port and waits for its
// greeting.
func (p *postfix) restart(t *testing.T) {
	t.Helper()
	if err := p.run("start"); err != nil {
		log, _ := os.ReadFile(p.logPath)
		t.Fatalf("%v\n%s", err, log)
	}
	if err := waitGreeting(p.Addr, "ESMTP", p.logPath); err != nil {
		t.Fatalf("postfix after the outage: %v", err)
	}
}

// dovecot is a real Dovecot serving the given users' Maildirs (the ones
// Postfix delivers to) over IMAP with STARTTLS on a high loopback port;
// plaintext login is refused before STARTTLS.
type dovecot struct {
	Addr string
	Port int
}

func startDovecot(t *testing.T, m *mailRoot, c certs, users map[string]string) *dovecot {
	t.Helper()
	bin := need(t, "dovecot", "dovecot-imapd")
	dir := filepath.Join(m.dir, "dovecot")
	for _, d := range []string{dir, filepath.Join(dir, "state"), filepath.Join(dir, "run"), filepath.Join(dir, "home")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chown(filepath.Join(dir, "home"), m.uid, m.gid); err != nil {
		t.Fatal(err)
	}
	var passwd strings.Builder
	for u, pw := range users {
		fmt.Fprintf(&passwd, "%s:{PLAIN}%s::::::\n", u, pw)
	}
	if err := os.WriteFile(filepath.Join(dir, "passwd"), []byte(passwd.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	d := &dovecot{}
	try := 0
	onFreePort(t, "dovecot", func(port int) error {
		try++
		d.Port, d.Addr = port, net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		return d.start(t, bin, dir, try, c, m)
	})
	return d
}

// start writes Dovecot's config for d.Port and starts it in the
// foreground (its own process, stopped in t.Cleanup); a start that fails
// is stopped again.
func (d *dovecot) start(t *testing.T, bin, dir string, try int, c certs, m *mailRoot) error {
	t.Helper()
	token := fmt.Sprintf("foidesk-e2e-dovecot-%d-%d", os.Getpid(), time.Now().UnixNano())
	logPath := filepath.Join(dir, fmt.Sprintf("dovecot%d.log", try))
	conf := fmt.Sprintf(`base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[2]s
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <%[3]s
ssl_key = <%[4]s
disable_plaintext_auth = yes
auth_mechanisms = plain login
first_valid_uid = 1
default_login_user = dovenull
default_internal_user = dovecot
default_internal_group = dovecot
login_greeting = %[5]s
mail_location = maildir:%[6]s/%%d/%%n
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[1]s/passwd
}
userdb {
  driver = static
  args = uid=%[7]d gid=%[8]d home=%[1]s/home/%%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = %[9]d
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
`, dir, logPath, c.Cert, c.Key, token, m.mail, m.uid, m.gid, d.Port)
	confPath := filepath.Join(dir, "dovecot.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-F", "-c", confPath)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dovecot: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stop := func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}
	if err := waitGreeting(d.Addr, token, logPath); err != nil {
		stop()
		return err
	}
	t.Cleanup(stop)
	return nil
}

package ingest

import (
	"bufio"
	"bytes"
	"context"
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

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"foidesk/ingest/imaptest"
)

// dovecot is a real Dovecot IMAP server started for one test, listening on
// loopback only, with its whole configuration, state and mail in a
// temporary directory. It needs the dovecot-imapd package; without it the
// test is skipped on a laptop and fails in CI.
type dovecot struct {
	addr string
	cmd  *exec.Cmd
}

func (d *dovecot) Addr() string { return d.addr }

func startDovecot(t *testing.T) *dovecot {
	t.Helper()
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		for _, p := range []string{"/usr/sbin/dovecot", "/usr/local/sbin/dovecot"} {
			if _, err2 := os.Stat(p); err2 == nil {
				bin, err = p, nil
				break
			}
		}
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("dovecot is not installed (apt-get install dovecot-imapd); the Dovecot interop tests must run in CI")
		}
		t.Skip("dovecot not installed; install dovecot-imapd to run the Dovecot interop tests")
	}
	// Dovecot's unprivileged processes must reach the mail directory, so the
	// test directory is made traversable (t.TempDir creates it 0700).
	dir, err := os.MkdirTemp("", "foidesk-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"state", "mail", "home"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// As root, Dovecot's own unprivileged users do the work; as anyone
	// else, everything runs as that user and group.
	mailUser, loginUser, internalUser, internalGroup := "mail", "dovenull", "dovecot", "dovecot"
	if os.Geteuid() != 0 {
		u, err := user.Current()
		if err != nil {
			t.Fatal(err)
		}
		g, err := user.LookupGroupId(u.Gid)
		if err != nil {
			t.Fatal(err)
		}
		mailUser, loginUser, internalUser, internalGroup = u.Username, u.Username, u.Username, g.Name
	}
	mu, err := user.Lookup(mailUser)
	if err != nil {
		t.Fatalf("user %s: %v", mailUser, err)
	}
	uid, _ := strconv.Atoi(mu.Uid)
	gid, _ := strconv.Atoi(mu.Gid)
	for _, d := range []string{"mail", "home"} {
		if err := os.Chown(filepath.Join(dir, d), uid, gid); err != nil && os.Geteuid() == 0 {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "passwd"), []byte(imaptest.User+":{PLAIN}"+imaptest.Password+"::::::\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := dovecotConfig{bin: bin, dir: dir, loginUser: loginUser, internalUser: internalUser, internalGroup: internalGroup, uid: uid, gid: gid}
	// Dovecot binds its port itself, so the port can only be chosen free
	// and may be taken by another process before Dovecot binds it; then
	// Dovecot exits, or the port answers with someone else's greeting, and
	// the whole start is tried again on a fresh port.
	const tries = 5
	for try := 1; ; try++ {
		d, err := cfg.start(t, try)
		if err == nil {
			return d
		}
		if !errors.Is(err, errPortTaken) || try == tries {
			t.Fatalf("start dovecot (try %d of %d): %v", try, tries, err)
		}
		t.Logf("dovecot, try %d: %v; trying another port", try, err)
	}
}

// errPortTaken: another process bound the chosen port first.
var errPortTaken = errors.New("the port was taken before dovecot could bind it")

type dovecotConfig struct {
	bin, dir                               string
	loginUser, internalUser, internalGroup string
	uid, gid                               int
}

// start starts Dovecot once, in its own run directory, on a port that was
// free a moment ago, and waits until it greets with this start's token.
func (c dovecotConfig) start(t *testing.T, try int) (*dovecot, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	run := filepath.Join(c.dir, fmt.Sprintf("run%d", try))
	if err := os.Mkdir(run, 0o755); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(c.dir, fmt.Sprintf("dovecot%d.log", try))
	// The greeting carries a token, so that the wait below knows it is
	// talking to this Dovecot and not to whatever took the port.
	token := fmt.Sprintf("foidesk-test-dovecot-%d-%d-%d", os.Getpid(), port, time.Now().UnixNano())
	conf := fmt.Sprintf(`base_dir = %[8]s
state_dir = %[1]s/state
log_path = %[9]s
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
default_login_user = %[3]s
default_internal_user = %[4]s
default_internal_group = %[7]s
login_greeting = %[10]s
mail_location = maildir:%[1]s/mail/%%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[1]s/passwd
}
userdb {
  driver = static
  args = uid=%[5]d gid=%[6]d home=%[1]s/home/%%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = %[2]d
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
`, c.dir, port, c.loginUser, c.internalUser, c.uid, c.gid, c.internalGroup, run, logPath, token)
	confPath := filepath.Join(c.dir, fmt.Sprintf("dovecot%d.conf", try))
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(c.bin, "-F", "-c", confPath)
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
	d := &dovecot{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cmd: cmd}
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-exited:
			log, _ := os.ReadFile(logPath)
			if bytes.Contains(log, []byte("Address already in use")) {
				return nil, errPortTaken
			}
			t.Fatalf("dovecot exited at start: %v\n%s", cmd.ProcessState, log)
		default:
		}
		greeting, err := imapGreeting(d.addr)
		if err == nil && !strings.Contains(greeting, token) {
			stop()
			return nil, fmt.Errorf("%w: it greets with %q", errPortTaken, greeting)
		}
		if err == nil {
			var cl *imapclient.Client
			cl, err = imapclient.DialInsecure(d.addr, nil)
			if err == nil {
				err = cl.Login(imaptest.User, imaptest.Password).Wait()
				cl.Close()
				if err == nil {
					break
				}
			}
		}
		if time.Now().After(deadline) {
			stop()
			log, _ := os.ReadFile(logPath)
			t.Fatalf("dovecot did not accept a login: %v\n%s", err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Cleanup(stop)
	return d, nil
}

// imapGreeting is the first line an IMAP server at addr sends.
func imapGreeting(addr string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(line), nil
}

func createMailboxes(t *testing.T, srv imapServer, names ...string) {
	imapDo(t, srv.Addr(), func(c *imapclient.Client) error {
		for _, n := range names {
			if err := c.Create(n, nil).Wait(); err != nil {
				return err
			}
		}
		return nil
	})
}

// TestDovecot runs the ingestion tests against a real Dovecot.
func TestDovecot(t *testing.T) {
	srv := startDovecot(t)
	t.Run("fixtures", func(t *testing.T) { testFixtures(t, srv) })
	t.Run("connection dropped mid-fetch", func(t *testing.T) {
		imapDo(t, srv.Addr(), func(c *imapclient.Client) error {
			if err := c.Create("Dropped", nil).Wait(); err != nil {
				return err
			}
			return nil
		})
		testConnectionDroppedMidFetchIn(t, srv, "Dropped")
	})
	t.Run("uidvalidity change", func(t *testing.T) {
		createMailboxes(t, srv, "Archive")
		testUIDValidityChange(t, srv)
	})
	t.Run("mailbox disappears", func(t *testing.T) {
		createMailboxes(t, srv, "Main", "Junk")
		testMailboxDisappears(t, srv)
	})
	t.Run("keyword and processed mailbox", func(t *testing.T) { testMarkAndMove(t, srv) })
}

// testMarkAndMove checks the optional after-commit marking: the keyword is
// set, messages move to the processed mailbox, and nothing is counted twice
// when the processed mailbox is itself watched.
func testMarkAndMove(t *testing.T, srv imapServer) {
	ctx := context.Background()
	env := newTestEnv(t)
	createMailboxes(t, srv, "Replies", "Processed")
	imaptest.Append(t, srv.Addr(), "Replies", bulkReply(1, "Q6ZA4VMP", 1<<10), bulkReply(2, "Q6ZA4VMP", 1<<10))
	sy := syncerFor(env, srv, "Replies")
	sy.Cfg.MarkKeyword = true
	sy.Cfg.ProcessedMailbox = "Processed"
	if st, err := sy.SyncOnce(ctx); err != nil || st.Stored != 2 {
		t.Fatalf("sync: %+v %v", st, err)
	}
	imapDo(t, srv.Addr(), func(c *imapclient.Client) error {
		sel, err := c.Select("Replies", nil).Wait()
		if err != nil {
			return err
		}
		if sel.NumMessages != 0 {
			t.Errorf("%d messages left in Replies, want 0 (moved)", sel.NumMessages)
		}
		if _, err := c.Select("Processed", nil).Wait(); err != nil {
			return err
		}
		msgs, err := c.Fetch(imap.SeqSetNum(1, 2), &imap.FetchOptions{Flags: true}).Collect()
		if err != nil {
			return err
		}
		if len(msgs) != 2 {
			t.Errorf("%d messages in Processed, want 2", len(msgs))
		}
		for _, m := range msgs {
			has := false
			for _, f := range m.Flags {
				has = has || f == Keyword
			}
			if !has {
				t.Errorf("message %d lacks %s: %v", m.SeqNum, Keyword, m.Flags)
			}
		}
		return nil
	})
	sy.Cfg.Mailboxes = []string{"Replies", "Processed"}
	st, err := sy.SyncOnce(ctx)
	if err != nil || st.Stored != 0 || st.Duplicates != 2 {
		t.Fatalf("watching Processed too: %+v %v", st, err)
	}
}

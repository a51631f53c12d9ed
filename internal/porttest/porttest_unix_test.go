//go:build unix

package porttest

import (
	"errors"
	"net"
	"syscall"
	"testing"
	"time"
)

func TestReservedPortRefusesAndCannotBeTaken(t *testing.T) {
	p := Reserve(t)
	if p.Port() == 0 {
		t.Fatal("port 0")
	}
	_, err := net.DialTimeout("tcp", p.Addr(), 5*time.Second)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial a reserved port: %v, want connection refused", err)
	}
	// A Go listener sets SO_REUSEADDR; the port must still be unavailable.
	if ln, err := net.Listen("tcp", p.Addr()); err == nil {
		ln.Close()
		t.Fatal("another socket could listen on the reserved port")
	}

	ln, err := p.Listen()
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if got := ln.Addr().(*net.TCPAddr).Port; got != p.Port() {
		t.Fatalf("listening on %d, reserved %d", got, p.Port())
	}
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Write([]byte("hello"))
			c.Close()
		}
	}()
	c, err := net.DialTimeout("tcp", p.Addr(), 5*time.Second)
	if err != nil {
		t.Fatalf("dial once listening: %v", err)
	}
	buf := make([]byte, 5)
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(buf); err != nil || string(buf) != "hello" {
		t.Fatalf("read %q, %v", buf, err)
	}
	c.Close()
	if _, err := p.Listen(); err == nil {
		t.Fatal("a second Listen succeeded")
	}
}

// Package demo plays the other side of 'foidesk demo': an in-memory IMAP
// mailbox for the campaigner, and councils that answer the requests
// foidesk sends them as real ones do, on the campaign's clock.
package demo

import (
	"io"
	"log"
	"net"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// IMAP is the campaigner's mailbox: go-imap's in-memory server on a
// loopback port, with one user and an INBOX, offering IDLE.
type IMAP struct {
	Addr     string
	Host     string
	Port     int
	User     string
	Password string
	srv      *imapserver.Server
	ln       net.Listener
}

// StartIMAP serves a mailbox for user with password on a free loopback
// port until Close.
func StartIMAP(user, password string) (*IMAP, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	mem := imapmemserver.New()
	u := imapmemserver.NewUser(user, password)
	if err := u.Create("INBOX", nil); err != nil {
		ln.Close()
		return nil, err
	}
	mem.AddUser(u)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		InsecureAuth: true,
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}, imap.CapMove: {}, imap.CapIdle: {}},
		Logger:       log.New(io.Discard, "", 0),
	})
	go srv.Serve(ln)
	a := ln.Addr().(*net.TCPAddr)
	return &IMAP{Addr: ln.Addr().String(), Host: a.IP.String(), Port: a.Port, User: user, Password: password, srv: srv, ln: ln}, nil
}

// Close stops the server.
func (s *IMAP) Close() error {
	err := s.srv.Close()
	s.ln.Close()
	return err
}

// Deliver puts raw messages in the INBOX, as a mail server delivering
// them would (IMAP APPEND).
func (s *IMAP) Deliver(raws ...[]byte) error {
	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Login(s.User, s.Password).Wait(); err != nil {
		return err
	}
	for _, raw := range raws {
		cmd := c.Append("INBOX", int64(len(raw)), nil)
		if _, err := cmd.Write(raw); err != nil {
			return err
		}
		if err := cmd.Close(); err != nil {
			return err
		}
		if _, err := cmd.Wait(); err != nil {
			return err
		}
	}
	return c.Logout().Wait()
}

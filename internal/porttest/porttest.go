// Package porttest gives tests loopback ports that nobody else can take
// between the moment a test learns the number and the moment it uses it.
//
// Picking a port by listening on 127.0.0.1:0, closing the listener and
// handing the number on leaves a window in which any other process on the
// machine (another package's tests, another checkout's) may take the port.
// A Port instead holds a socket bound to the port and not listening: the
// kernel refuses every connection to it, as to a port nothing uses, and
// lets no other socket bind it. Listen later turns that same socket into a
// listener, so a server can appear on the very address a client has been
// refused on.
package porttest

import (
	"net"
	"strconv"
	"testing"
)

// Addr is the reserved address, 127.0.0.1:port.
func (p *Port) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.port)) }

// Port is the reserved port number.
func (p *Port) Port() int { return p.port }

// Reserve reserves a loopback port until the test ends or Listen hands it
// to a listener.
func Reserve(t testing.TB) *Port {
	t.Helper()
	p, err := reserve()
	if err != nil {
		t.Fatalf("reserve a loopback port: %v", err)
	}
	t.Cleanup(p.release)
	return p
}

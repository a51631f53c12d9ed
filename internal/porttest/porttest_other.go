//go:build !unix

package porttest

import (
	"net"
	"strconv"
)

// Port elsewhere than on Unix is only a number: the standard library cannot
// bind a socket without listening, so between Reserve and Listen another
// process could take the port. CI runs on Linux.
type Port struct{ port int }

func reserve() (*Port, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	return &Port{port: ln.Addr().(*net.TCPAddr).Port}, nil
}

// Listen listens on the port.
func (p *Port) Listen() (net.Listener, error) {
	return net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p.port)))
}

func (p *Port) release() {}

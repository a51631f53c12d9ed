//go:build unix

package porttest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
)

// Port is a loopback TCP port held by a bound socket that is not listening.
type Port struct {
	port int
	mu   sync.Mutex
	f    *os.File // the bound socket; nil once handed to a listener or released
}

func reserve() (*Port, error) {
	// As the net package does: no fork may inherit the socket between its
	// creation and close-on-exec.
	syscall.ForkLock.RLock()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	// No SO_REUSEADDR: with it, Linux would let another socket that also
	// sets it (every Go listener does) bind the port while this one is not
	// listening.
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		syscall.Close(fd)
		return nil, os.NewSyscallError("bind", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		syscall.Close(fd)
		return nil, os.NewSyscallError("getsockname", err)
	}
	in4, ok := sa.(*syscall.SockaddrInet4)
	if !ok {
		syscall.Close(fd)
		return nil, fmt.Errorf("bound to %T, want an IPv4 address", sa)
	}
	return &Port{port: in4.Port, f: os.NewFile(uintptr(fd), "reserved loopback port")}, nil
}

// Listen starts listening on the reserved port and hands it to the
// returned listener: from now on, closing that listener frees the port.
// It can be called once.
func (p *Port) Listen() (net.Listener, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.f == nil {
		return nil, errors.New("port " + p.Addr() + " is no longer reserved")
	}
	if err := syscall.Listen(int(p.f.Fd()), syscall.SOMAXCONN); err != nil {
		return nil, os.NewSyscallError("listen", err)
	}
	ln, err := net.FileListener(p.f) // a duplicate of the socket
	p.f.Close()
	p.f = nil
	return ln, err
}

func (p *Port) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.f != nil {
		p.f.Close()
		p.f = nil
	}
}

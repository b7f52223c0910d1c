package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lockName is the file in a data folder that says which process uses it.
const lockName = "lianxi.lock"

// lockData takes the data folder for this process's life: lianxi.lock
// holds its PID under an exclusive lock, which the system drops when the
// process ends however it ends. A second process on the same folder is
// told which process holds it, instead of failing later on a port or a
// locked database.
func lockData(dir string) (release func(), err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	path := filepath.Join(dir, lockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("data folder %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b, _ := os.ReadFile(path)
		f.Close()
		holder := strings.TrimSpace(string(b))
		if holder == "" {
			holder = "another process"
		} else {
			holder = "PID " + holder + describePID(holder)
		}
		return nil, fmt.Errorf("data folder %s is in use by %s: stop it first, or give another --data", dir, holder)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() {
		_ = f.Truncate(0)
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// describePID is " (name)" for a process this machine knows, else "".
func describePID(pid string) string {
	if b, err := os.ReadFile(filepath.Join("/proc", pid, "comm")); err == nil {
		return " (" + strings.TrimSpace(string(b)) + ")"
	}
	return ""
}

// portsFree checks that each address (flag name → host:port) can be
// listened on, before anything starts. A taken one is named with its flag
// and, where this machine tells (Linux's /proc), the process holding it.
func portsFree(addrs map[string]string) error {
	var errs []error
	for flag, addr := range addrs {
		if addr == "" {
			continue
		}
		l, err := net.Listen("tcp", addr)
		if err == nil {
			l.Close()
			continue
		}
		msg := fmt.Sprintf("%s %s is taken", flag, addr)
		if _, port, perr := net.SplitHostPort(addr); perr == nil {
			if pid := listenerPID(port); pid != "" {
				msg += " by PID " + pid + describePID(pid)
			}
		}
		errs = append(errs, fmt.Errorf("%s: stop what holds it, or give --%s another address", msg, flag))
	}
	return errors.Join(errs...)
}

// listenerPID finds the process listening on a TCP port: the socket's
// inode from /proc/net/tcp (and tcp6), then the process holding it open.
// "" when it cannot tell.
func listenerPID(port string) string {
	p, err := strconv.Atoi(port)
	if err != nil {
		return ""
	}
	want := fmt.Sprintf(":%04X", p)
	inodes := map[string]bool{}
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(table)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			// local address, state 0A (listening), inode.
			if len(fields) > 9 && strings.HasSuffix(fields[1], want) && fields[3] == "0A" {
				inodes["socket:["+fields[9]+"]"] = true
			}
		}
		f.Close()
	}
	if len(inodes) == 0 {
		return ""
	}
	procs, _ := os.ReadDir("/proc")
	for _, d := range procs {
		if _, err := strconv.Atoi(d.Name()); err != nil {
			continue
		}
		fds, _ := os.ReadDir(filepath.Join("/proc", d.Name(), "fd"))
		for _, fd := range fds {
			if link, err := os.Readlink(filepath.Join("/proc", d.Name(), "fd", fd.Name())); err == nil && inodes[link] {
				return d.Name()
			}
		}
	}
	return ""
}

package main

import (
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
)

// A second process on a data folder in use is told which one holds it;
// once released, the folder is free again.
func TestDataFolderInUseNamesItsHolder(t *testing.T) {
	dir := t.TempDir()
	release, err := lockData(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = lockData(dir)
	if err == nil || !strings.Contains(err.Error(), "in use by PID "+strconv.Itoa(os.Getpid())) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("second lock: %v, want the holder's PID and the folder", err)
	}
	release()
	again, err := lockData(dir)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again()
}

// A taken port is named with its flag and the process listening on it.
func TestTakenPortNamesItsHolder(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	free := freeHTTPAddress(t)
	err = portsFree(map[string]string{"http-addr": l.Addr().String(), "ui-addr": free})
	if err == nil {
		t.Fatal("a taken port passed")
	}
	msg := err.Error()
	if !strings.Contains(msg, "http-addr "+l.Addr().String()+" is taken by PID "+strconv.Itoa(os.Getpid())) || strings.Contains(msg, "ui-addr") {
		t.Errorf("message %q should name the taken address, its flag and this PID, and nothing else", msg)
	}
	if err := portsFree(map[string]string{"ui-addr": free}); err != nil {
		t.Errorf("a free port: %v", err)
	}
}

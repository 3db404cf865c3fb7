package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestDispatchExitStatus(t *testing.T) {
	tests := []struct {
		args   []string
		status int
		stderr string
	}{
		{nil, 2, "no command given"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"version", "extra"}, 2, "takes no arguments"},
		{[]string{"install", "--bogus"}, 2, "usage: golign install"},
		{[]string{"install", "--user", "--prefix", "/x"}, 2, "exclude each other"},
		{[]string{"install", "--name", "a/b"}, 2, "kernel name"},
		{[]string{"kernel"}, 2, "-f CONNECTION_FILE is required"},
		{[]string{"kernel", "-f", "/nonexistent/kernel.json"}, 1, "reading connection file"},
		{[]string{"help", "install"}, 0, ""},
		{[]string{"install", "-h"}, 0, ""},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		status := dispatch(tc.args, &stdout, &stderr)
		if status != tc.status || !strings.Contains(stderr.String(), tc.stderr) {
			t.Errorf("golign %q: status %d, stderr %q; want %d and %q", tc.args, status, stderr.String(), tc.status, tc.stderr)
		}
	}
}

func TestKernelRejectsBadConnectionFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kernel.json")
	os.WriteFile(path, []byte("{\n  \"shell_port\": \"five\"\n}"), 0o600)
	var stdout, stderr bytes.Buffer
	if status := dispatch([]string{"kernel", "-f", path}, &stdout, &stderr); status != 1 ||
		!strings.Contains(stderr.String(), path) || !strings.Contains(stderr.String(), "line 2: field shell_port") {
		t.Errorf("status %d, stderr %q", status, stderr.String())
	}
}

func TestInstallWritesOnlyTheKernelspec(t *testing.T) {
	prefix := t.TempDir()
	if err := runInstall([]string{"--prefix", prefix, "--name", "GoTest"}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(prefix, "share", "jupyter", "kernels", "gotest")
	var written []string
	filepath.WalkDir(prefix, func(path string, d fs.DirEntry, err error) error {
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			written = append(written, rel)
		}
		return nil
	})
	if want := []string{"kernel.json", "logo-32x32.png", "logo-64x64.png"}; !reflect.DeepEqual(written, want) {
		t.Fatalf("files written: %v, want %v in %s", written, want, dir)
	}

	var spec kernelSpec
	data, _ := os.ReadFile(filepath.Join(dir, "kernel.json"))
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	exe, _ := os.Executable()
	exe, _ = filepath.EvalSymlinks(exe)
	if !reflect.DeepEqual(spec.Argv, []string{exe, "kernel", "-f", "{connection_file}"}) || spec.DisplayName != "Go (golign)" ||
		spec.Language != "go" || spec.InterruptMode != "message" {
		t.Errorf("kernel.json = %+v", spec)
	}
	for _, size := range []int{32, 64} {
		f, _ := os.Open(filepath.Join(dir, fmt.Sprintf("logo-%dx%d.png", size, size)))
		img, err := png.Decode(f)
		f.Close()
		if err != nil || img.Bounds().Dx() != size || img.Bounds().Dy() != size {
			t.Errorf("logo %d: %v, bounds %v", size, err, img.Bounds())
		}
	}
}

func TestUserDataDir(t *testing.T) {
	t.Setenv("JUPYTER_DATA_DIR", "")
	t.Setenv("XDG_DATA_HOME", "/xdg")
	if d, _ := userDataDir(); d != "/xdg/jupyter" {
		t.Errorf("with XDG_DATA_HOME: %s", d)
	}
	t.Setenv("JUPYTER_DATA_DIR", "/jdd")
	if d, _ := userDataDir(); d != "/jdd" {
		t.Errorf("with JUPYTER_DATA_DIR: %s", d)
	}
	home := t.TempDir()
	t.Setenv("JUPYTER_DATA_DIR", home)
	if err := runInstall(nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(home, "kernels", "golign", "kernel.json")); err != nil {
		t.Errorf("default install: %v", err)
	}
}

func TestInstallSysPrefix(t *testing.T) {
	env := t.TempDir()
	t.Setenv("VIRTUAL_ENV", env)
	if err := runInstall([]string{"--sys-prefix"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(env, "share", "jupyter", "kernels", "golign", "kernel.json")); err != nil {
		t.Errorf("--sys-prefix with a virtualenv active: %v", err)
	}
}

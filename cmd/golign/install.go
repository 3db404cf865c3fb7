package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"github.com/golign/golign/kernel/logo"
)

func init() {
	register(command{
		name:    "install",
		usage:   "[--user | --prefix DIR | --sys-prefix] [--name NAME]",
		summary: "install the kernelspec \"Go (golign)\" for Jupyter (default: in the user's Jupyter data directory)",
		run:     runInstall,
	})
}

// kernelSpec is the kernel.json Jupyter reads to start a kernel.
type kernelSpec struct {
	Argv          []string       `json:"argv"`
	DisplayName   string         `json:"display_name"`
	Language      string         `json:"language"`
	InterruptMode string         `json:"interrupt_mode"`
	Metadata      map[string]any `json:"metadata"`
}

// kernelNamePattern is what Jupyter accepts as a kernel name.
var kernelNamePattern = regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)

func runInstall(args []string) error {
	fs := newFlagSet("install")
	user := fs.Bool("user", false, "install in the user's Jupyter data directory (the default)")
	prefix := fs.String("prefix", "", "install in `DIR`/share/jupyter/kernels/NAME")
	sysPrefix := fs.Bool("sys-prefix", false, "install in the Python environment's prefix (virtualenv, conda, or python3's sys.prefix)")
	name := fs.String("name", "golign", "kernel `NAME`, the directory name Jupyter knows the kernel by")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	chosen := 0
	for _, set := range []bool{*user, *prefix != "", *sysPrefix} {
		if set {
			chosen++
		}
	}
	if chosen > 1 {
		return usagef("--user, --prefix and --sys-prefix exclude each other")
	}
	if !kernelNamePattern.MatchString(*name) {
		return usagef("--name %q: a kernel name may hold only letters, digits, '.', '_' and '-'", *name)
	}

	var kernels string
	switch {
	case *prefix != "":
		kernels = filepath.Join(*prefix, "share", "jupyter", "kernels")
	case *sysPrefix:
		p, err := pythonPrefix()
		if err != nil {
			return err
		}
		kernels = filepath.Join(p, "share", "jupyter", "kernels")
	default:
		d, err := userDataDir()
		if err != nil {
			return err
		}
		kernels = filepath.Join(d, "kernels")
	}
	dir := filepath.Join(kernels, strings.ToLower(*name))
	if err := writeKernelSpec(dir); err != nil {
		return err
	}
	fmt.Printf("Installed kernelspec %s in %s\n", strings.ToLower(*name), dir)
	return nil
}

// warnIfTemporary warns when the kernelspec would start a binary that "go
// run" built in a temporary directory and deletes on exit.
func warnIfTemporary(exe string) {
	if strings.Contains(exe, string(filepath.Separator)+"go-build") {
		fmt.Fprintf(os.Stderr, "golign install: warning: %s is a temporary binary of \"go run\"; the kernelspec will not work once it is gone (build golign and install from the built binary)\n", exe)
	}
}

// writeKernelSpec writes kernel.json and the logos into dir, and nothing
// anywhere else.
func writeKernelSpec(dir string) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding the golign binary: %w", err)
	}
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	warnIfTemporary(exe)
	spec := kernelSpec{
		Argv:          []string{exe, "kernel", "-f", "{connection_file}"},
		DisplayName:   "Go (golign)",
		Language:      "go",
		InterruptMode: "message",
		Metadata:      map[string]any{"debugger": false},
	}
	specJSON, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating the kernelspec directory: %w", err)
	}
	files := map[string][]byte{"kernel.json": append(specJSON, '\n')}
	for _, size := range []int{32, 64} {
		img, err := logo.PNG(size)
		if err != nil {
			return err
		}
		files[fmt.Sprintf("logo-%dx%d.png", size, size)] = img
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("writing the kernelspec: %w", err)
		}
	}
	return nil
}

// userDataDir is Jupyter's per-user data directory, as jupyter_core
// computes it: $JUPYTER_DATA_DIR, else ~/Library/Jupyter on macOS,
// %APPDATA%\jupyter on Windows, $XDG_DATA_HOME/jupyter or
// ~/.local/share/jupyter elsewhere.
func userDataDir() (string, error) {
	if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the Jupyter data directory: %w", err)
	}
	switch runtime.GOOS {
	case "darwin":
		return filepath.Join(home, "Library", "Jupyter"), nil
	case "windows":
		if appData := os.Getenv("APPDATA"); appData != "" {
			return filepath.Join(appData, "jupyter"), nil
		}
		return filepath.Join(home, "AppData", "Roaming", "jupyter"), nil
	}
	if xdg := os.Getenv("XDG_DATA_HOME"); xdg != "" {
		return filepath.Join(xdg, "jupyter"), nil
	}
	return filepath.Join(home, ".local", "share", "jupyter"), nil
}

// pythonPrefix is the prefix of the active Python environment: the
// virtualenv or conda environment when one is active, else python3's
// sys.prefix.
func pythonPrefix() (string, error) {
	for _, v := range []string{"VIRTUAL_ENV", "CONDA_PREFIX"} {
		if p := os.Getenv(v); p != "" {
			return p, nil
		}
	}
	out, err := exec.Command("python3", "-c", "import sys; print(sys.prefix)").Output()
	if err != nil {
		return "", errors.New("--sys-prefix: no virtualenv or conda environment is active and python3 could not be asked for sys.prefix")
	}
	return strings.TrimSpace(string(out)), nil
}

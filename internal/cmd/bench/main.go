// Command bench times lexgen as a whole process against `cue export` of the
// same environments, for `make bench`. For each N it lays out a repository
// with N random environments (internal/model/modeltest) in a temporary
// folder, then runs, several times each, and reports medians:
//
//   - lexgen render into an empty out/ (every file written; the kernel's
//     caches dropped first when run as root, see dropCaches),
//   - lexgen render again (nothing to write),
//   - lexgen render --check,
//   - cue export ./envs, the floor for any CUE-based tool,
//
// with the peak RSS and CPU use of each and the time per environment.
//
//	go run ./internal/cmd/bench -lexgen BIN -cue BIN [-n 1,10,100,1000] [-runs 3]
//go:build unix

package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/lexecon/lexgen/internal/model/modeltest"
)

type sample struct {
	wall, cpu time.Duration
	rssKB     int64
}

func main() {
	lexgen := flag.String("lexgen", "", "lexgen binary")
	cue := flag.String("cue", "", "cue binary at the module's CUE version")
	ns := flag.String("n", "1,10,100,1000", "numbers of environments")
	runs := flag.Int("runs", 3, "runs of each command (the median is reported)")
	repo := flag.String("repo", ".", "the lexgen repository")
	flag.Parse()
	if *lexgen == "" || *cue == "" {
		fmt.Fprintln(os.Stderr, "bench: -lexgen and -cue are required")
		os.Exit(2)
	}
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			return p
		}
		return a
	}
	if err := run(abs(*lexgen), abs(*cue), abs(*repo), *ns, *runs, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(lexgen, cue, repo, ns string, runs int, w io.Writer) error {
	tmp, err := os.MkdirTemp("", "lexgen-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := single(lexgen, cue, repo, tmp, runs, w); err != nil {
		return err
	}
	fmt.Fprintf(w, "| N | render (empty out/) | render (current) | render --check | cue export | check / cue export | peak RSS (render) | CPU (check) | ms per env (check) |\n")
	fmt.Fprintf(w, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, f := range strings.Split(ns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return err
		}
		root := filepath.Join(tmp, fmt.Sprintf("n%d", n))
		if err := modeltest.WriteRepo(repo, root, n, 1); err != nil {
			return err
		}
		out := filepath.Join(root, "out")
		fresh, err := median(runs, func() (sample, error) {
			if err := os.RemoveAll(out); err != nil {
				return sample{}, err
			}
			dropCaches()
			return measure(root, lexgen, "render")
		})
		if err != nil {
			return err
		}
		again, err := median(runs, func() (sample, error) { return measure(root, lexgen, "render") })
		if err != nil {
			return err
		}
		check, err := median(runs, func() (sample, error) { return measure(root, lexgen, "render", "--check") })
		if err != nil {
			return err
		}
		export, err := median(runs, func() (sample, error) { return measureIn(root, cue, "export", "./envs") })
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "| %d | %s | %s | %s | %s | %.2fx | %d MiB | %.0f%% | %.2f |\n",
			n, secs(fresh.wall), secs(again.wall), secs(check.wall), secs(export.wall),
			float64(check.wall)/float64(export.wall), max(fresh.rssKB, again.rssKB, check.rssKB)/1024,
			100*float64(check.cpu)/float64(check.wall), float64(check.wall.Microseconds())/1000/float64(n))
	}
	return nil
}

// single times `lexgen render production` on a copy of this repository
// against `cue export` of the same environment.
func single(lexgen, cue, repo, tmp string, runs int, w io.Writer) error {
	root := filepath.Join(tmp, "repo")
	for _, dir := range []string{"cue.mod", "schema", "envs", "out", "infrastructure"} {
		if err := exec.Command("cp", "-r", filepath.Join(repo, dir), filepath.Join(root, dir)).Run(); err != nil {
			if err := os.MkdirAll(root, 0o755); err != nil {
				return err
			}
			if out, err := exec.Command("cp", "-r", filepath.Join(repo, dir), filepath.Join(root, dir)).CombinedOutput(); err != nil {
				return fmt.Errorf("copying %s: %v %s", dir, err, out)
			}
		}
	}
	render, err := median(runs, func() (sample, error) { return measure(root, lexgen, "render", "production") })
	if err != nil {
		return err
	}
	export, err := median(runs, func() (sample, error) { return measureIn(root, cue, "export", "./envs", "-e", "production") })
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "lexgen render production (this repository): %s, %d MiB; cue export of it: %s; ratio %.2fx\n\n",
		secs(render.wall), render.rssKB/1024, secs(export.wall), float64(render.wall)/float64(export.wall))
	return nil
}

// dropCaches writes the dirty pages out and empties the kernel's page,
// dentry and inode caches (as root; otherwise it does nothing), so that each
// render into an empty out/ starts from the same state. On this project's
// virtual machines, deleting and re-creating the same 20,000 files again
// and again made file creation several times slower until the caches were
// dropped (a plain Go loop writing 20,000 files: 0.5 s after, 19 s before).
func dropCaches() {
	syscall.Sync()
	os.WriteFile("/proc/sys/vm/drop_caches", []byte("3"), 0)
}

func secs(d time.Duration) string { return fmt.Sprintf("%.3f s", d.Seconds()) }

// median runs f runs times and returns the run with the median wall time.
func median(runs int, f func() (sample, error)) (sample, error) {
	var all []sample
	for i := 0; i < runs; i++ {
		s, err := f()
		if err != nil {
			return sample{}, err
		}
		all = append(all, s)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].wall < all[j].wall })
	return all[len(all)/2], nil
}

func measure(root, lexgen string, args ...string) (sample, error) {
	return measureIn(root, lexgen, append([]string{"-C", root}, args...)...)
}

// measureIn runs a command in dir and reports its wall time, CPU time and
// peak resident set size.
func measureIn(dir, bin string, args ...string) (sample, error) {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return sample{}, fmt.Errorf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, stderr.String())
	}
	wall := time.Since(start)
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return sample{wall: wall, cpu: cpu, rssKB: ru.Maxrss}, nil
}

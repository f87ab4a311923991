// Command bench measures synthesis: wall time and peak memory of an empty
// CDK Go app, the example model and a 1,000-user model, with aws-cdk-lib's
// built-in template validation off (iamstack's default) and on; then, once
// each, synthesis, the access analysis and `iamstack check` of the
// 1,000-user model and of a 5,000-user, 500-account model in 20 OUs. It
// prints Markdown tables for BENCHMARKS.md. Run it with `make bench`.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/iamstack/iamstack/internal/synthetic"
)

func main() {
	runs := flag.Int("runs", 5, "runs per case; the median is reported")
	scale := flag.Bool("scale", true, "also time the 5,000-user, 500-account models: in 20 OUs, every account listed, and listed with varied names (about 12 minutes)")
	flag.Parse()
	if err := run(*runs, *scale); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type benchCase struct {
	name       string
	bin        string
	args       []string
	validation bool
	// ref names the case for the ratios (validation off only).
	ref string
}

// The cases the ratios read.
const (
	refEmpty   = "empty"
	refExample = "example"
	refLarge   = "large"
	refJSEx    = "js-example"
	refJSLarge = "js-large"
	refScale   = "scale"
	refJSScale = "js-scale"
)

func run(runs int, scale bool) error {
	dir, err := os.MkdirTemp("", "iamstack-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	synth, empty := filepath.Join(dir, "synth"), filepath.Join(dir, "emptyapp")
	for bin, pkg := range map[string]string{synth: "./cmd/synth", empty: "./test/bench/emptyapp"} {
		if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %v\n%s", pkg, err, out)
		}
	}
	large := filepath.Join(dir, "large.yaml")
	if err := os.WriteFile(large, synthetic.Model(synthetic.Size{Users: 1000, Accounts: 20}), 0o644); err != nil {
		return err
	}
	// The JavaScript reference builds the resources of the assemblies the
	// Go app synthesizes (test/bench/l1app).
	exampleAsm, largeAsm := filepath.Join(dir, "ref-example"), filepath.Join(dir, "ref-large")
	assemblies := map[string][]string{exampleAsm: nil, largeAsm: {"-model", large}}
	var scaleModel, scaleAsm string // with -scale only
	if scale {
		scaleModel, scaleAsm = filepath.Join(dir, "scale.yaml"), filepath.Join(dir, "ref-scale")
		if err := os.WriteFile(scaleModel, synthetic.Model(synthetic.Size{Users: 5000, Accounts: 500, OUs: 20, UserStacks: 20}), 0o644); err != nil {
			return err
		}
		assemblies[scaleAsm] = []string{"-model", scaleModel}
	}
	for asm, args := range assemblies {
		cmd := exec.Command(synth, append(args, "-out", asm)...)
		cmd.Env = append(os.Environ(), "CDK_VALIDATION=false")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("synthesize %s: %v\n%s", asm, err, out)
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return err
	}
	l1app, err := filepath.Abs("test/bench/l1app/app.js")
	if err != nil {
		return err
	}
	var cases []benchCase
	for _, v := range []bool{false, true} {
		ref := func(r string) string {
			if v {
				return ""
			}
			return r
		}
		cases = append(cases,
			benchCase{"(a) empty CDK Go app", empty, nil, v, ref(refEmpty)},
			benchCase{"(b) example model (3 accounts, 6 users)", synth, nil, v, ref(refExample)},
			benchCase{"(c) 1,000 users, 20 accounts", synth, []string{"-model", large}, v, ref(refLarge)},
		)
	}
	cases = append(cases,
		benchCase{"(b) JavaScript L1 app, the example's resources", node, []string{l1app, exampleAsm}, false, refJSEx},
		benchCase{"(c) JavaScript L1 app, the 1,000-user model's resources", node, []string{l1app, largeAsm}, false, refJSLarge},
	)
	if scale {
		cases = append(cases,
			benchCase{"(d) 5,000 users, 500 accounts in 20 OUs", synth, []string{"-model", scaleModel}, false, refScale},
			benchCase{"(d) JavaScript L1 app, the 5,000-user model's resources", node, []string{l1app, scaleAsm}, false, refJSScale},
		)
	}
	// What users run: the cdk CLI with cdk.json's app command, which builds
	// and runs cmd/synth (validation off by default).
	cdk, err := filepath.Abs("node_modules/.bin/cdk")
	if err != nil {
		return err
	}
	cases = append(cases,
		benchCase{"(b) example via `cdk synth` (CLI + go run)", cdk, []string{"synth", "--quiet"}, false, ""},
		benchCase{"(c) 1,000 users via `cdk synth` (CLI + go run)", cdk, []string{"synth", "--quiet", "-c", "model=" + large}, false, ""},
	)
	medians := map[string]time.Duration{}
	fmt.Printf("Machine: %s/%s, %d CPUs, %s. Median of %d runs, the cases taking turns in each round so that\na slow spell of the machine falls on all of them; peak memory is the largest resident set of the\nprocess tree (the Go program or its node child).\n\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), runs)
	walls := make([][]time.Duration, len(cases))
	peaks := make([]int64, len(cases))
	for round := range runs {
		for i, c := range cases {
			out := filepath.Join(dir, fmt.Sprintf("out-%d", round))
			cmd := exec.Command(c.bin, append(c.args, "-out", out)...)
			switch c.bin {
			case cdk:
				cmd = exec.Command(c.bin, append(c.args, "--output", out)...)
				cmd.Env = os.Environ()
			case empty, node:
				cmd = exec.Command(c.bin, c.args...)
				cmd.Env = append(os.Environ(), "CDK_OUTDIR="+out)
			default:
				cmd.Env = os.Environ()
			}
			cmd.Env = append(cmd.Env, fmt.Sprintf("CDK_VALIDATION=%v", c.validation))
			start := time.Now()
			if b, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("%s: %v\n%s", c.name, err, b)
			}
			walls[i] = append(walls[i], time.Since(start))
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				peaks[i] = max(peaks[i], ru.Maxrss) // kilobytes on Linux
			}
			os.RemoveAll(out)
		}
	}
	fmt.Println("| case | CDK validation | wall time (median) | min | max | peak memory |")
	fmt.Println("|---|---|---:|---:|---:|---:|")
	for i, c := range cases {
		w := walls[i]
		slices.Sort(w)
		onOff := "off"
		if c.validation {
			onOff = "on"
		}
		fmt.Printf("| %s | %s | %s | %s | %s | %d MiB |\n", c.name, onOff, secs(w[len(w)/2]), secs(w[0]), secs(w[len(w)-1]), peaks[i]/1024)
		if c.ref != "" {
			medians[c.ref] = w[len(w)/2]
		}
	}
	if err := ratios(medians, exampleAsm, largeAsm, scaleAsm); err != nil {
		return err
	}
	fmt.Printf("\nCommand: `%s`\n", strings.Join(append([]string{"go run ./test/bench"}, os.Args[1:]...), " "))
	bin := filepath.Join(dir, "iamstack")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/iamstack").CombinedOutput(); err != nil {
		return fmt.Errorf("build iamstack: %v\n%s", err, out)
	}
	models := []model{{"1,000 users, 20 accounts", large}}
	if scale {
		// Every account listed, no OUs, JSON: the shape that cost most.
		listed := filepath.Join(dir, "listed.yaml")
		if err := os.WriteFile(listed, synthetic.Model(synthetic.Size{Users: 5000, Accounts: 500, UserStacks: 20}), 0o644); err != nil {
			return err
		}
		// Accounts named as organizations name them, of many lengths and
		// signatures (synthetic.Size.Names): the gate's shapes of account.
		named := filepath.Join(dir, "named.yaml")
		if err := os.WriteFile(named, synthetic.Model(synthetic.Size{Users: 5000, Accounts: 500, UserStacks: 20, Names: true}), 0o644); err != nil {
			return err
		}
		models = append(models, model{"5,000 users, 500 accounts in 20 OUs", scaleModel}, model{"5,000 users, 500 listed accounts", listed},
			model{"5,000 users, 500 listed accounts of varied names", named})
	}
	return modelBench(dir, bin, synth, models)
}

// ratios prints issue 16's synthesis targets from the medians above: the
// example against the empty Go app, and what each resource the 1,000-user
// model (and, given scaleAsm, the 5,000-user model) adds over the example
// costs in Go against the JavaScript L1 app building the same resources.
func ratios(m map[string]time.Duration, exampleAsm, largeAsm, scaleAsm string) error {
	nb, err := resourceCount(exampleAsm)
	if err != nil {
		return err
	}
	fmt.Println("\nSynthesis against its references (medians above, validation off):")
	fmt.Println()
	fmt.Println("| measure | reference | iamstack | ratio | target |")
	fmt.Println("|---|---:|---:|---:|---:|")
	fmt.Printf("| the example against the empty CDK Go app | %s | %s | %.2fx | at most 1.2x |\n",
		secs(m[refEmpty]), secs(m[refExample]), m[refExample].Seconds()/m[refEmpty].Seconds())
	perResource := func(what, asm, goRef, jsRef string) error {
		n, err := resourceCount(asm)
		if err != nil {
			return err
		}
		added := float64(n - nb)
		perGo := (m[goRef] - m[refExample]).Seconds() / added
		perJS := (m[jsRef] - m[refJSEx]).Seconds() / added
		fmt.Printf("| each of the %d resources the %s model adds over the example's %d | JavaScript L1 app %.3f ms | %.3f ms | %.2fx | at most 1.0x |\n",
			n-nb, what, nb, perJS*1000, perGo*1000, perGo/perJS)
		return nil
	}
	if err := perResource("1,000-user", largeAsm, refLarge, refJSLarge); err != nil {
		return err
	}
	if scaleAsm != "" {
		return perResource("5,000-user", scaleAsm, refScale, refJSScale)
	}
	return nil
}

// resourceCount counts the resources of an assembly's stack templates.
func resourceCount(asm string) (int, error) {
	files, err := filepath.Glob(filepath.Join(asm, "*.template.json"))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return 0, err
		}
		var t struct{ Resources map[string]json.RawMessage }
		if err := json.Unmarshal(b, &t); err != nil {
			return 0, fmt.Errorf("%s: %w", f, err)
		}
		n += len(t.Resources)
	}
	return n, nil
}

type model struct{ name, file string }

// modelBench times, once per model, what a team runs on it: synthesis
// (cmd/synth), the access analysis of that assembly (`iamstack access`, as
// text and as JSON), and `iamstack check`: synthesis with cdk-nag, cfn-lint
// on every template and StackSet template, iamstack's rules on the access
// analysis. The base comparison is skipped (the model is outside the
// repository), so this is the check of a new model. Each step's time is
// also given as a multiple of the same model's synthesis in the same run:
// issue 33's targets are at most 2x for the analysis and 4x for the check.
func modelBench(dir, bin, synth string, models []model) error {
	fmt.Println("\nOne run each, CDK validation off (`iamstack access` writes its report to /dev/null):")
	fmt.Println()
	fmt.Println("| model | step | wall time | x synthesis | peak memory |")
	fmt.Println("|---|---|---:|---:|---:|")
	for _, m := range models {
		asm := filepath.Join(dir, "asm")
		steps := []struct {
			name   string
			cmd    *exec.Cmd
			report bool // its output is the report, hundreds of MB at scale
		}{
			{"synthesis (`synth`)", exec.Command(synth, "-model", m.file, "-out", asm), false},
			{"access analysis, text (`iamstack access --assembly`)", exec.Command(bin, "access", "--model", m.file, "--assembly", asm), true},
			{"access analysis, JSON (`iamstack access --assembly --format json`)", exec.Command(bin, "access", "--model", m.file, "--assembly", asm, "--format", "json"), true},
			{"`iamstack check --no-base`", exec.Command(bin, "check", "--model", m.file, "--no-base"), false},
		}
		var synthesis time.Duration
		for _, st := range steps {
			st.cmd.Env = append(os.Environ(), "CDK_VALIDATION=false")
			var out strings.Builder
			st.cmd.Stdout, st.cmd.Stderr = &out, &out
			if st.report {
				st.cmd.Stdout = io.Discard
			}
			start := time.Now()
			if err := st.cmd.Run(); err != nil {
				return fmt.Errorf("%s, %s: %v\n%s", m.name, st.name, err, out.String())
			}
			wall := time.Since(start)
			if synthesis == 0 {
				synthesis = wall
			}
			var peak int64
			if ru, ok := st.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				peak = ru.Maxrss
			}
			fmt.Printf("| %s | %s | %s | %.1fx | %d MiB |\n", m.name, st.name, secs(wall), wall.Seconds()/synthesis.Seconds(), peak/1024)
		}
		os.RemoveAll(asm)
	}
	return nil
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

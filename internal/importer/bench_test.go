package importer_test

import (
	"bytes"
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"shangji/internal/app"
	"shangji/internal/importer"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// BenchmarkImport100k imports 100,000 generated opportunities with stage
// history into a fresh SQLite database (issue 7: under 20 s).
//
//	go test -run XXX -bench Import100k -benchtime 1x ./internal/importer/
func BenchmarkImport100k(b *testing.B) {
	const n = 100_000
	var src bytes.Buffer
	src.WriteString("外部编号,商机名称,客户名称,负责人,阶段,金额,进入需求确认日期,进入方案推进日期,成交日期\n")
	stages := []string{"商机发现", "需求确认", "方案推进", "赢单", "输单"}
	for i := range n {
		st := stages[i%len(stages)]
		e1, e2, closed := "", "", ""
		if i%5 >= 1 {
			e1 = fmt.Sprintf("2024-%02d-%02d", 1+i%6, 1+i%28)
		}
		if i%5 == 2 {
			e2 = fmt.Sprintf("2024-%02d-%02d", 7+i%6, 1+i%28)
		}
		if i%5 >= 3 {
			closed = fmt.Sprintf("2025-%02d-%02d", 1+i%12, 1+i%28)
		}
		fmt.Fprintf(&src, "B%d,Deal %d,客户%d,rep%d@example.com,%s,%d.%02d,%s,%s,%s\n", i, i, i%2000, i%50, st, 10000+i*7, i%100, e1, e2, closed)
	}
	var phases [3]time.Duration
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		db := storetest.Open(b, store.SQLite)
		a := app.New(db, nil)
		var users, custs bytes.Buffer
		users.WriteString("姓名,邮箱\n")
		for i := range 50 {
			fmt.Fprintf(&users, "rep%d,rep%d@example.com\n", i, i)
		}
		custs.WriteString("客户名称,负责人\n")
		for i := range 2000 {
			fmt.Fprintf(&custs, "客户%d,rep%d@example.com\n", i, i%50)
		}
		for k, body := range map[importer.Kind]*bytes.Buffer{importer.Users: &users} {
			mustImport(b, a, k, body.Bytes())
		}
		mustImport(b, a, importer.Customers, custs.Bytes())
		b.StartTimer()
		// Where the time goes: reading and validating until the first
		// deals are written, writing them, building the deferred indexes
		// and committing after the last.
		start, cpu0 := time.Now(), cpuTime()
		var firstWrite, lastWrite time.Time
		progress := func(phase string, done, total int) {
			if phase != "write" {
				return
			}
			if firstWrite.IsZero() {
				firstWrite = time.Now()
			}
			if done == total {
				lastWrite = time.Now()
			}
		}
		rep := mustImport(b, a, importer.Opportunities, src.Bytes(), progress)
		if rep.Created != n {
			b.Fatalf("created %d", rep.Created)
		}
		end := time.Now()
		phases[0] += firstWrite.Sub(start)
		phases[1] += lastWrite.Sub(firstWrite)
		phases[2] += end.Sub(lastWrite)
		cpu += cpuTime() - cpu0
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	for i, name := range []string{"validate-s/op", "write-s/op", "commit-s/op"} {
		b.ReportMetric(phases[i].Seconds()/float64(b.N), name)
	}
}

// cpuTime is the CPU time the process has used: on a shared machine it
// varies less than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func mustImport(b *testing.B, a *app.App, k importer.Kind, data []byte, progress ...func(string, int, int)) *importer.Report {
	tb, err := importer.OpenCSV(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	var opt importer.Options
	if len(progress) > 0 {
		opt.Progress = progress[0]
	}
	rep, err := importer.Import(context.Background(), a, admin, k, tb, opt)
	if err != nil {
		b.Fatalf("%s: %v %v", k, err, rep.Problems[:min(3, len(rep.Problems))])
	}
	return rep
}

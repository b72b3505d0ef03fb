// backfill writes history for the benchmark: the same series `serve` would serve for
// `series`, as TSDB blocks, with the labels an agent and its receiver would have given them
// (repeated --label, and `shard` from --shards as the agent's scrape targets add it). Each
// --segment START_MS:END_MS:STEP adds samples from START_MS (inclusive) to END_MS (exclusive)
// every STEP; counters keep growing across segments and gauges are redrawn at every sample.
// Blocks are cut at multiples of --block-range since the epoch, as a Compactor would have
// compacted them; each goes to its own directory under --out, and a line per block is printed:
// `block <id> ending <newest sample's ms + 1> with <n> samples`.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
)

// segment is a stretch of history sampled every stepMs.
type segment struct {
	startMs, endMs, stepMs int64
}

func parseSegment(text string) (segment, error) {
	parts := strings.Split(text, ":")
	if len(parts) != 3 {
		return segment{}, fmt.Errorf("segment %q: expected START_MS:END_MS:STEP", text)
	}
	start, err1 := strconv.ParseInt(parts[0], 10, 64)
	end, err2 := strconv.ParseInt(parts[1], 10, 64)
	step, err3 := time.ParseDuration(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || end <= start || step < time.Second {
		return segment{}, fmt.Errorf("segment %q: expected START_MS < END_MS (Unix ms) and a STEP of at least 1s", text)
	}
	return segment{start, end, step.Milliseconds()}, nil
}

// historySeries is one series to write: its labels and how its value moves.
type historySeries struct {
	labels labels.Labels
	s      series
}

var metricParser = parser.NewParser(parser.Options{})

// historyOf is the served series of nodes 0..nodes-1 with the extra labels and each node's shard.
func historyOf(nodes int, sh shape, shards int, extra map[string]string) ([]historySeries, error) {
	var out []historySeries
	for n := 0; n < nodes; n++ {
		for _, fam := range buildNode(n, sh) {
			for _, s := range fam {
				parsed, err := metricParser.ParseMetric(strings.TrimSpace(s.prefix))
				if err != nil {
					return nil, fmt.Errorf("series %q: %w", s.prefix, err)
				}
				b := labels.NewBuilder(parsed)
				for k, v := range extra {
					b.Set(k, v)
				}
				b.Set("shard", strconv.Itoa(n%shards))
				out = append(out, historySeries{labels: b.Labels(), s: s})
			}
		}
	}
	return out, nil
}

// blockWriter appends into one block at a time, flushing it when a sample falls past its range.
type blockWriter struct {
	out        string
	rangeMs    int64
	windowEnd  int64
	writer     *tsdb.BlockWriter
	appender   storage.Appender
	refs       []storage.SeriesRef
	samples    int64
	lastMs     int64 // the newest sample's time in the open block
	totalBlock int
}

func (b *blockWriter) flush(ctx context.Context) error {
	if b.writer == nil {
		return nil
	}
	if err := b.appender.Commit(); err != nil {
		return err
	}
	id, err := b.writer.Flush(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("block %s ending %d with %d samples\n", id, b.lastMs+1, b.samples)
	b.totalBlock++
	err = b.writer.Close()
	b.writer = nil
	return err
}

// at makes sure the open block covers t, flushing the previous one and opening the next.
func (b *blockWriter) at(ctx context.Context, t int64, seriesCount int) error {
	if b.writer != nil && t < b.windowEnd {
		return nil
	}
	if err := b.flush(ctx); err != nil {
		return err
	}
	w, err := tsdb.NewBlockWriter(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), b.out, b.rangeMs)
	if err != nil {
		return err
	}
	b.writer, b.appender, b.samples = w, w.Appender(ctx), 0
	b.windowEnd = (t/b.rangeMs + 1) * b.rangeMs
	b.refs = make([]storage.SeriesRef, seriesCount)
	return nil
}

func writeHistory(ctx context.Context, all []historySeries, segments []segment, out string, rangeMs int64) error {
	sort.Slice(segments, func(i, j int) bool { return segments[i].startMs < segments[j].startMs })
	r := rand.New(rand.NewPCG(0, 3))
	b := &blockWriter{out: out, rangeMs: rangeMs}
	last := int64(0)
	for _, seg := range segments {
		if seg.startMs < last {
			return fmt.Errorf("segments overlap at %d", seg.startMs)
		}
		for t := seg.startMs; t < seg.endMs; t += seg.stepMs {
			if err := b.at(ctx, t, len(all)); err != nil {
				return err
			}
			for i := range all {
				if last > 0 {
					all[i].s.step(float64(t-last)/1000, r)
				}
				ref, err := b.appender.Append(b.refs[i], all[i].labels, t, all[i].s.value)
				if err != nil {
					return fmt.Errorf("append %s at %d: %w", all[i].labels, t, err)
				}
				b.refs[i] = ref
			}
			b.samples += int64(len(all))
			b.lastMs, last = t, t
			// One commit per timestamp keeps the appender's pending samples small.
			if err := b.appender.Commit(); err != nil {
				return err
			}
			b.appender = b.writer.Appender(ctx)
		}
	}
	if err := b.flush(ctx); err != nil {
		return err
	}
	if b.totalBlock == 0 {
		return fmt.Errorf("no segment holds a sample")
	}
	return nil
}

type labelFlags map[string]string

func (l labelFlags) String() string { return fmt.Sprint(map[string]string(l)) }
func (l labelFlags) Set(text string) error {
	k, v, ok := strings.Cut(text, "=")
	if !ok || k == "" {
		return fmt.Errorf("label %q: expected NAME=VALUE", text)
	}
	l[k] = v
	return nil
}

type segmentFlags []segment

func (s *segmentFlags) String() string { return fmt.Sprint(*s) }
func (s *segmentFlags) Set(text string) error {
	seg, err := parseSegment(text)
	if err == nil {
		*s = append(*s, seg)
	}
	return err
}

func backfillMain(args []string) {
	fs := flag.NewFlagSet("backfill", flag.ExitOnError)
	series := fs.Int("series", 0, "series, as the number of nodes that comes closest (as serve)")
	sh := shapeFlags(fs)
	shards := fs.Int("shards", 1, "scrape targets the agent splits the generator into (each series gets its node's shard label)")
	out := fs.String("out", "", "directory to write the blocks into")
	blockRange := fs.Duration("block-range", 14*24*time.Hour, "blocks are cut at multiples of this since the epoch")
	extra := labelFlags{}
	fs.Var(extra, "label", "NAME=VALUE added to every series (repeat)")
	var segments segmentFlags
	fs.Var(&segments, "segment", "START_MS:END_MS:STEP, a stretch of history sampled every STEP (repeat)")
	_ = fs.Parse(args)
	if *series < 1 || *shards < 1 || *out == "" || len(segments) == 0 || *blockRange < time.Hour || sh.invalid() {
		log.Fatal("backfill: expected --series and --shards of at least 1, --out, a --segment, a --block-range of at least 1h and a valid shape")
	}
	all, err := historyOf(sh.nodesFor(*series), *sh, *shards, extra)
	if err != nil {
		log.Fatal(err)
	}
	began := time.Now()
	if err := writeHistory(context.Background(), all, segments, *out, blockRange.Milliseconds()); err != nil {
		log.Fatalf("backfill: %v", err)
	}
	log.Printf("backfill: %d series in %s", len(all), time.Since(began).Round(time.Second))
}

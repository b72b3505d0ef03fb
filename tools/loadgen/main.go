// loadgen serves a fixed set of gauge series on /metrics for the benchmark's agents to
// scrape, in the shape of prometheus-community/avalanche (which the module proxy here does
// not serve): metric-count metrics of series-count series each, every series carrying
// label-count constant labels and a series_id, values redrawn every value-interval. No
// series or metric churn: the active series stay exactly metric-count x series-count, until
// a POST to /-/resize?metric-count=N changes the metric count (same port, no restart).
// /metrics?shard=I&shards=N serves only the metrics m with m % N == I, so one process can be
// N scrape targets, which a Prometheus scrapes at N different offsets within its interval.
package main

import (
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

type series struct {
	prefix string // `name{labels} `
	value  float64
}

type generator struct {
	mu     sync.RWMutex
	series []series
	help   []string // HELP and TYPE lines of each metric, written before its first series
	per    int
	labels int
	prefix string
}

func newGenerator(metrics, perMetric, labels int, prefix string) *generator {
	g := &generator{per: perMetric, labels: labels, prefix: prefix}
	g.resize(metrics)
	return g
}

// resize rebuilds the series for `metrics` metrics; series of the metrics kept keep their names.
func (g *generator) resize(metrics int) {
	var all []series
	var help []string
	perMetric, labels, prefix := g.per, g.labels, g.prefix
	for m := 0; m < metrics; m++ {
		name := fmt.Sprintf("%s_metric_%d", prefix, m)
		help = append(help, fmt.Sprintf("# HELP %s A benchmark gauge.\n# TYPE %s gauge\n", name, name))
		for s := 0; s < perMetric; s++ {
			lbls := ""
			for l := 0; l < labels; l++ {
				lbls += fmt.Sprintf("label_key_%d=\"label_value_%d\",", l, l)
			}
			all = append(all, series{prefix: fmt.Sprintf("%s{%sseries_id=\"%d\"} ", name, lbls, s), value: float64(rand.IntN(100))})
		}
	}
	g.mu.Lock()
	g.series, g.help = all, help
	g.mu.Unlock()
}

func (g *generator) serveResize(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	metrics, err := strconv.Atoi(r.URL.Query().Get("metric-count"))
	if err != nil || metrics < 0 {
		http.Error(w, "expected metric-count, a whole number of at least 0", http.StatusBadRequest)
		return
	}
	g.resize(metrics)
	log.Printf("serving %d series (%d metrics x %d)", metrics*g.per, metrics, g.per)
	_, _ = fmt.Fprintf(w, "%d series\n", metrics*g.per)
}

func (g *generator) redraw() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i := range g.series {
		g.series[i].value = float64(rand.IntN(100))
	}
}

// shardOf reads ?shard=I&shards=N (both or neither): the whole set is shard 0 of 1.
func shardOf(r *http.Request) (shard, shards int, err error) {
	q := r.URL.Query()
	if q.Get("shard") == "" && q.Get("shards") == "" {
		return 0, 1, nil
	}
	shard, err1 := strconv.Atoi(q.Get("shard"))
	shards, err2 := strconv.Atoi(q.Get("shards"))
	if err1 != nil || err2 != nil || shards < 1 || shard < 0 || shard >= shards {
		return 0, 0, fmt.Errorf("expected shard=I&shards=N with 0 <= I < N")
	}
	return shard, shards, nil
}

func (g *generator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	shard, shards, err := shardOf(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	g.mu.RLock()
	defer g.mu.RUnlock()
	buf := make([]byte, 0, 1<<20)
	for i, s := range g.series {
		metric := i / g.per
		if metric%shards != shard {
			continue
		}
		if i%g.per == 0 {
			buf = append(buf, g.help[metric]...)
		}
		buf = append(buf, s.prefix...)
		buf = strconv.AppendFloat(buf, s.value, 'g', -1, 64)
		buf = append(buf, '\n')
		if len(buf) > 1<<20-4096 {
			if _, err := w.Write(buf); err != nil {
				return
			}
			buf = buf[:0]
		}
	}
	_, _ = w.Write(buf)
}

func main() {
	listen := flag.String("listen-address", "127.0.0.1:9001", "address to serve /metrics on")
	metrics := flag.Int("metric-count", 100, "number of metrics")
	perMetric := flag.Int("series-count", 10, "series per metric")
	labels := flag.Int("label-count", 10, "constant labels per series (besides series_id)")
	prefix := flag.String("metric-prefix", "loadgen", "metric name prefix")
	valueInterval := flag.Duration("value-interval", 30*time.Second, "how often every series gets a new value")
	flag.Parse()
	if *metrics < 0 || *perMetric < 1 || *labels < 0 {
		log.Fatal("metric-count must be at least 0, series-count at least 1, label-count at least 0")
	}

	g := newGenerator(*metrics, *perMetric, *labels, *prefix)
	go func() {
		for range time.Tick(*valueInterval) {
			g.redraw()
		}
	}()
	http.Handle("/metrics", g)
	http.HandleFunc("/-/resize", g.serveResize)
	http.HandleFunc("/-/ready", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ready\n")) })
	log.Printf("serving %d series (%d metrics x %d) on %s", *metrics**perMetric, *metrics, *perMetric, *listen)
	log.Fatal(http.ListenAndServe(*listen, nil))
}

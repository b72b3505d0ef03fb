// loadgen serves a simulated Kubernetes fleet's metrics on /metrics for the benchmark's agents
// to scrape: the families the platform's dashboards and alert rules read (mixin/), with the
// label names of the exporters that expose them. Each of `nodes` nodes has cpus-per-node CPUs
// and pods-per-node pods of containers-per-pod containers, and volumes-per-node persistent
// volumes; it serves node-exporter's series for the node (node_cpu_seconds_total,
// node_memory_*, node_filesystem_*, node_network_*, node_load*), kube-state-metrics' and
// cAdvisor's for its pods and containers (kube_pod_*, container_*), and the kubelet's volume
// stats (kubelet_volume_stats_*). node-exporter's series also carry a `node` label: one
// target serves many nodes, where a real fleet tells them apart by the target's `instance`.
// families.go lists the families; bench/load.ts mirrors the list (FLEET_FAMILIES) and the
// series count per node (seriesPerNode).
//
// Not served: `up`, which every scrape target makes itself, and the agents' own
// prometheus_remote_storage_* and prometheus_agent_* metrics, which the agents expose.
//
// Counters grow and gauges are redrawn within plausible bounds (clear of the alert
// thresholds) every value-interval. No series churn: node n's series have the same names
// and labels for the process's whole life, until a POST to /-/resize?series=N picks the
// number of nodes whose series come closest to N (same port, no restart; nodes kept keep
// their values). /metrics?shard=I&shards=N serves only the nodes n with n % N == I, so one
// process can be N scrape targets, which a Prometheus scrapes at N offsets within its interval.
//
// `loadgen backfill` writes the same series as history blocks instead (backfill.go).
package main

import (
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"
)

type generator struct {
	mu    sync.RWMutex
	shape shape
	nodes [][][]series // node, family, series
	rand  *rand.Rand
}

// nodesFor is the node count whose series come closest to `series` (ties round up).
func (sh shape) nodesFor(series int) int {
	return int(math.Round(float64(series) / float64(sh.seriesPerNode())))
}

// resize serves `nodes` nodes from now on; nodes kept keep their series and values.
func (g *generator) resize(nodes int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for len(g.nodes) < nodes {
		g.nodes = append(g.nodes, buildNode(len(g.nodes), g.shape))
	}
	g.nodes = g.nodes[:nodes]
}

func (g *generator) describe() string {
	n := len(g.nodes)
	return fmt.Sprintf("%d series (%d nodes x %d)", n*g.shape.seriesPerNode(), n, g.shape.seriesPerNode())
}

func (g *generator) serveResize(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	series, err := strconv.Atoi(r.URL.Query().Get("series"))
	if err != nil || series < 0 {
		http.Error(w, "expected series, a whole number of at least 0", http.StatusBadRequest)
		return
	}
	g.resize(g.shape.nodesFor(series))
	g.mu.RLock()
	defer g.mu.RUnlock()
	log.Printf("asked for %d series: serving %s", series, g.describe())
	_, _ = fmt.Fprintln(w, g.describe())
}

// tick moves every value by one value-interval.
func (g *generator) tick(seconds float64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, node := range g.nodes {
		for _, fam := range node {
			for i := range fam {
				fam[i].step(seconds, g.rand)
			}
		}
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

// ServeHTTP writes the shard's series family by family, each family's HELP and TYPE once.
func (g *generator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	shard, shards, err := shardOf(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	g.mu.RLock()
	defer g.mu.RUnlock()
	if shard >= len(g.nodes) {
		return // no node in this shard: an empty exposition
	}
	buf := make([]byte, 0, 1<<20)
	for f, fam := range families {
		buf = fmt.Appendf(buf, "# HELP %s %s\n# TYPE %s %s\n", fam.name, fam.help, fam.name, fam.typ)
		for n := shard; n < len(g.nodes); n += shards {
			for _, s := range g.nodes[n][f] {
				buf = append(buf, s.prefix...)
				buf = strconv.AppendFloat(buf, s.value, 'g', -1, 64)
				buf = append(buf, '\n')
			}
			if len(buf) > 1<<20-64<<10 {
				if _, err := w.Write(buf); err != nil {
					return
				}
				buf = buf[:0]
			}
		}
	}
	_, _ = w.Write(buf)
}

// shapeFlags registers the simulated node's shape on fs.
func shapeFlags(fs *flag.FlagSet) *shape {
	sh := &shape{}
	fs.IntVar(&sh.cpus, "cpus-per-node", 4, "CPUs per node")
	fs.IntVar(&sh.pods, "pods-per-node", 10, "pods per node")
	fs.IntVar(&sh.containers, "containers-per-pod", 2, "containers per pod")
	fs.IntVar(&sh.volumes, "volumes-per-node", 2, "persistent volumes per node")
	return sh
}

func (sh shape) invalid() bool {
	return sh.cpus < 1 || sh.pods < 0 || sh.containers < 1 || sh.volumes < 0
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "backfill" {
		backfillMain(os.Args[2:])
		return
	}
	listen := flag.String("listen-address", "127.0.0.1:9001", "address to serve /metrics on")
	series := flag.Int("series", 0, "series to serve, as the number of nodes that comes closest")
	sh := shapeFlags(flag.CommandLine)
	valueInterval := flag.Duration("value-interval", 30*time.Second, "how often counters grow and gauges are redrawn")
	printSeries := flag.Bool("print-series-per-node", false, "print the series per node for this shape and exit")
	flag.Parse()
	if *series < 0 || sh.invalid() || *valueInterval <= 0 {
		log.Fatal("series, pods-per-node and volumes-per-node must be at least 0, cpus-per-node and containers-per-pod at least 1, value-interval positive")
	}
	if *printSeries {
		fmt.Println(sh.seriesPerNode())
		return
	}

	g := &generator{shape: *sh, rand: rand.New(rand.NewPCG(0, 2))}
	g.resize(sh.nodesFor(*series))
	go func() {
		for range time.Tick(*valueInterval) {
			g.tick(valueInterval.Seconds())
		}
	}()
	http.Handle("/metrics", g)
	http.HandleFunc("/-/resize", g.serveResize)
	http.HandleFunc("/-/ready", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ready\n")) })
	log.Printf("serving %s on %s", g.describe(), *listen)
	log.Fatal(http.ListenAndServe(*listen, nil))
}

package main

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
)

// kind says how a series' value moves every value-interval.
type kind int

const (
	constant kind = iota // fixed: sizes, limits, info and phase series
	gauge                // redrawn uniformly in [lo, hi]
	counter              // grows by lo per second (times 0.5 to 1.5), never falls
)

type series struct {
	prefix string // `name{labels} `
	value  float64
	kind   kind
	lo, hi float64
}

func (s *series) step(seconds float64, r *rand.Rand) {
	switch s.kind {
	case gauge:
		s.value = s.lo + r.Float64()*(s.hi-s.lo)
	case counter:
		s.value += s.lo * seconds * (0.5 + r.Float64())
	}
}

// family is one metric name; its series are grouped under one HELP and TYPE per scrape.
type family struct {
	name, help, typ string
}

// families, in exposition order; bench/load.ts FLEET_FAMILIES lists the same names and label names.
var families = []family{
	{"node_cpu_seconds_total", "Seconds the CPUs spent in each mode.", "counter"},
	{"node_memory_MemTotal_bytes", "Memory information field MemTotal_bytes.", "gauge"},
	{"node_memory_MemAvailable_bytes", "Memory information field MemAvailable_bytes.", "gauge"},
	{"node_filesystem_avail_bytes", "Filesystem space available to non-root users in bytes.", "gauge"},
	{"node_filesystem_size_bytes", "Filesystem size in bytes.", "gauge"},
	{"node_filesystem_readonly", "Filesystem read-only status.", "gauge"},
	{"node_network_receive_bytes_total", "Network device statistic receive_bytes.", "counter"},
	{"node_network_transmit_bytes_total", "Network device statistic transmit_bytes.", "counter"},
	{"node_load1", "1m load average.", "gauge"},
	{"node_load5", "5m load average.", "gauge"},
	{"node_load15", "15m load average.", "gauge"},
	{"kube_pod_info", "Information about pod.", "gauge"},
	{"kube_pod_status_phase", "The pods current phase.", "gauge"},
	{"kube_pod_container_resource_requests", "The number of requested request resource by a container.", "gauge"},
	{"kube_pod_container_resource_limits", "The number of requested limit resource by a container.", "gauge"},
	{"kube_pod_container_status_restarts_total", "The number of container restarts per container.", "counter"},
	{"container_cpu_usage_seconds_total", "Cumulative cpu time consumed in seconds.", "counter"},
	{"container_memory_working_set_bytes", "Current working set in bytes.", "gauge"},
	{"kubelet_volume_stats_capacity_bytes", "Capacity in bytes of the volume.", "gauge"},
	{"kubelet_volume_stats_available_bytes", "Number of available bytes in the volume.", "gauge"},
}

func familyIndex(name string) int {
	for i, f := range families {
		if f.name == name {
			return i
		}
	}
	panic("unknown family " + name)
}

// shape is one simulated node: its CPUs, pods, containers per pod and persistent volumes.
type shape struct {
	cpus, pods, containers, volumes int
}

// seriesPerNode mirrors bench/load.ts seriesPerNode: node-exporter's 8 modes per CPU, 2 memory
// fields, 3 filesystems x 3, 2 devices x 2, 3 load averages; per pod kube_pod_info, 5 phases,
// the pod cgroup's 2 cAdvisor series, and per container 2 requests, 2 limits, restarts and 2
// cAdvisor series; 2 kubelet volume series per volume.
func (s shape) seriesPerNode() int {
	return 8*s.cpus + 18 + s.pods*(8+7*s.containers) + 2*s.volumes
}

var (
	cpuModes = []struct {
		mode  string
		share float64
	}{{"idle", 0.6}, {"user", 0.2}, {"system", 0.08}, {"iowait", 0.02}, {"irq", 0.005}, {"softirq", 0.01}, {"nice", 0.005}, {"steal", 0.001}}
	filesystems = []struct {
		device, fstype, mountpoint string
		size                       float64
	}{{"/dev/nvme0n1p1", "ext4", "/", 100 << 30}, {"/dev/nvme0n1p15", "vfat", "/boot/efi", 105 << 20}, {"tmpfs", "tmpfs", "/run", 3 << 30}}
	podPhases  = []string{"Pending", "Running", "Succeeded", "Failed", "Unknown"}
	namespaces = []string{"default", "kube-system", "monitoring", "payments", "checkout", "search"}
)

const (
	memTotal       = 32 << 30
	memoryLimit    = 512 << 20
	memoryRequest  = 256 << 20
	volumeCapacity = 50 << 30
)

// hexID is a stable pseudo-random hex string of n digits for `key` (uids, container ids).
func hexID(key string, n int) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(key))
	r := rand.New(rand.NewPCG(h.Sum64(), 0))
	out := make([]byte, n)
	for i := range out {
		out[i] = "0123456789abcdef"[r.IntN(16)]
	}
	return string(out)
}

func uuid(key string) string {
	x := hexID(key, 32)
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}

// nodeBuilder collects one node's series by family, starting from values seeded by the node's index.
type nodeBuilder struct {
	series [][]series
	r      *rand.Rand
}

func (b *nodeBuilder) add(name, labels string, k kind, lo, hi float64) {
	s := series{prefix: name + "{" + labels + "} ", kind: k, lo: lo, hi: hi}
	switch k {
	case constant:
		s.value = lo
	case gauge:
		s.step(0, b.r)
	case counter:
		s.value = lo * 86400 * (0.5 + b.r.Float64()) // about a day of uptime
	}
	f := familyIndex(name)
	b.series[f] = append(b.series[f], s)
}

// buildNode is node n's series: the same names and labels for the same n and shape, always.
func buildNode(n int, sh shape) [][]series {
	b := &nodeBuilder{series: make([][]series, len(families)), r: rand.New(rand.NewPCG(uint64(n), 1))}
	node := fmt.Sprintf("node-%04d", n)
	nodeExporter(b, node, sh)
	for p := 0; p < sh.pods; p++ {
		pod(b, n, node, p, sh.containers)
	}
	for v := 0; v < sh.volumes; v++ {
		labels := fmt.Sprintf(`namespace=%q,persistentvolumeclaim="data-%s-%d"`, namespaces[v%len(namespaces)], node, v)
		b.add("kubelet_volume_stats_capacity_bytes", labels, constant, volumeCapacity, 0)
		b.add("kubelet_volume_stats_available_bytes", labels, gauge, 0.2*volumeCapacity, 0.8*volumeCapacity)
	}
	return b.series
}

// nodeExporter adds node-exporter's series; bounds keep every node clear of the alert thresholds.
// A real node-exporter is a target per node, its series told apart by the target's `instance`;
// here one target serves many nodes, so each series also carries a `node` label.
func nodeExporter(b *nodeBuilder, node string, sh shape) {
	at := fmt.Sprintf(`node=%q`, node)
	for c := 0; c < sh.cpus; c++ {
		for _, m := range cpuModes {
			b.add("node_cpu_seconds_total", fmt.Sprintf(`%s,cpu="%d",mode=%q`, at, c, m.mode), counter, m.share, 0)
		}
	}
	b.add("node_memory_MemTotal_bytes", at, constant, memTotal, 0)
	b.add("node_memory_MemAvailable_bytes", at, gauge, 0.2*memTotal, 0.7*memTotal)
	for _, fs := range filesystems {
		labels := fmt.Sprintf(`%s,device=%q,fstype=%q,mountpoint=%q`, at, fs.device, fs.fstype, fs.mountpoint)
		b.add("node_filesystem_avail_bytes", labels, gauge, 0.2*fs.size, 0.8*fs.size)
		b.add("node_filesystem_size_bytes", labels, constant, fs.size, 0)
		b.add("node_filesystem_readonly", labels, constant, 0, 0)
	}
	for _, dev := range []struct {
		name           string
		bytesPerSecond float64
	}{{"eth0", 2e6}, {"lo", 2e5}} {
		b.add("node_network_receive_bytes_total", fmt.Sprintf(`%s,device=%q`, at, dev.name), counter, dev.bytesPerSecond, 0)
		b.add("node_network_transmit_bytes_total", fmt.Sprintf(`%s,device=%q`, at, dev.name), counter, dev.bytesPerSecond/2, 0)
	}
	cpus := float64(sh.cpus)
	b.add("node_load1", at, gauge, 0.1*cpus, 0.8*cpus)
	b.add("node_load5", at, gauge, 0.2*cpus, 0.6*cpus)
	b.add("node_load15", at, gauge, 0.3*cpus, 0.5*cpus)
}

// pod adds kube-state-metrics' and cAdvisor's series of pod p on node n.
func pod(b *nodeBuilder, n int, node string, p, containers int) {
	namespace := namespaces[(n+p)%len(namespaces)]
	app := fmt.Sprintf("app-%d", p)
	name := fmt.Sprintf("%s-%s-%s", app, hexID(fmt.Sprintf("rs/%d/%d", n, p), 10), hexID(fmt.Sprintf("pod/%d/%d", n, p), 5))
	uid := uuid(fmt.Sprintf("uid/%d/%d", n, p))
	ids := fmt.Sprintf(`namespace=%q,pod=%q,uid=%q`, namespace, name, uid)
	b.add("kube_pod_info", fmt.Sprintf(`namespace=%q,pod=%q,uid=%q,host_ip="10.0.%d.%d",pod_ip="10.244.%d.%d",node=%q,created_by_kind="ReplicaSet",created_by_name="%s-%s",priority_class="",host_network="false"`,
		namespace, name, uid, n/250, n%250+1, n%250, p+2, node, app, hexID(fmt.Sprintf("rs/%d/%d", n, p), 10)), constant, 1, 0)
	for _, phase := range podPhases {
		b.add("kube_pod_status_phase", fmt.Sprintf(`%s,phase=%q`, ids, phase), constant, map[bool]float64{true: 1}[phase == "Running"], 0)
	}
	cgroup := fmt.Sprintf("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod%s.slice", uid)
	// The pod cgroup's aggregate, which carries no container, image or name (REAL_CONTAINERS skips it).
	podLabels := fmt.Sprintf(`container="",id=%q,image="",name="",namespace=%q,pod=%q`, cgroup, namespace, name)
	b.add("container_cpu_usage_seconds_total", `cpu="total",`+podLabels, counter, 0.15*float64(containers), 0)
	b.add("container_memory_working_set_bytes", podLabels, gauge, 0.2*memoryLimit*float64(containers), 0.7*memoryLimit*float64(containers))
	for c := 0; c < containers; c++ {
		container := fmt.Sprintf("%s-%d", app, c)
		for _, r := range []struct {
			resource, unit string
			request, limit float64
		}{{"cpu", "core", 0.25, 1}, {"memory", "byte", memoryRequest, memoryLimit}} {
			labels := fmt.Sprintf(`%s,container=%q,node=%q,resource=%q,unit=%q`, ids, container, node, r.resource, r.unit)
			b.add("kube_pod_container_resource_requests", labels, constant, r.request, 0)
			b.add("kube_pod_container_resource_limits", labels, constant, r.limit, 0)
		}
		b.add("kube_pod_container_status_restarts_total", fmt.Sprintf(`%s,container=%q`, ids, container), constant, 0, 0)
		containerID := hexID(fmt.Sprintf("container/%d/%d/%d", n, p, c), 64)
		labels := fmt.Sprintf(`container=%q,id="%s/cri-containerd-%s.scope",image="registry.example.com/%s:1.%d",name=%q,namespace=%q,pod=%q`,
			container, cgroup, containerID, app, c, containerID, namespace, name)
		b.add("container_cpu_usage_seconds_total", `cpu="total",`+labels, counter, 0.15, 0)
		b.add("container_memory_working_set_bytes", labels, gauge, 0.2*memoryLimit, 0.7*memoryLimit)
	}
}
